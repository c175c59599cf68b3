import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../shared/bytes.ts';
import { isTacitError } from '../../shared/errors.ts';
import { decodeVarint, encodeVarint, MAX_VARINT, readVarint, varintSize } from '../../shared/varint.ts';
import { fcParams } from '../support/seed.ts';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isTacitError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('QUIC varint (RFC 9000 16)', () => {
  // RFC 9000 Appendix A.1 sample encodings.
  it.each([
    ['9d7f3e7d', 494878333, 4],
    ['7bbd', 15293, 2],
    ['25', 37, 1],
    ['4025', 37, 2],
  ])('decodes %s as %d', (hex, value, length) => {
    expect(decodeVarint(hexToBytes(hex))).toEqual({ value, length });
  });

  it('encodes minimally', () => {
    expect(encodeVarint(37)).toEqual(hexToBytes('25'));
    expect(encodeVarint(15293)).toEqual(hexToBytes('7bbd'));
    expect(encodeVarint(494878333)).toEqual(hexToBytes('9d7f3e7d'));
    expect(encodeVarint(2 ** 30)).toEqual(hexToBytes('c000000040000000'));
    expect(encodeVarint(MAX_VARINT)).toEqual(hexToBytes('c01fffffffffffff'));
  });

  it('reports the 8-byte RFC sample beyond 2^53-1 as unsupported', () => {
    expect(code(() => decodeVarint(hexToBytes('c2197c5eff14e88c')))).toBe('ERR_UNSUPPORTED');
  });

  it('accepts non-minimal forms by default and rejects them on request', () => {
    for (const hex of ['4025', '80000025', 'c000000000000025']) {
      expect(decodeVarint(hexToBytes(hex)).value).toBe(37);
      expect(code(() => decodeVarint(hexToBytes(hex), 0, { minimal: true }))).toBe('ERR_NON_MINIMAL');
    }
    expect(decodeVarint(hexToBytes('4040'), 0, { minimal: true }).value).toBe(64);
  });

  it('rejects truncated input with ERR_TRUNCATED', () => {
    expect(code(() => decodeVarint(new Uint8Array()))).toBe('ERR_TRUNCATED');
    expect(code(() => decodeVarint(hexToBytes('7b')))).toBe('ERR_TRUNCATED');
    expect(code(() => decodeVarint(hexToBytes('9d7f3e')))).toBe('ERR_TRUNCATED');
    expect(code(() => readVarint(hexToBytes('9d7f3e7d'), 0, 3))).toBe('ERR_TRUNCATED');
  });

  it('rejects values it cannot encode', () => {
    for (const v of [-1, 1.5, MAX_VARINT + 1, Number.NaN]) {
      expect(code(() => encodeVarint(v))).toBe('ERR_INVALID_ARGUMENT');
    }
  });

  it('round-trips every value at an offset, minimal form accepted with minimal: true', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.uint8Array({ maxLength: 4 }), (v, prefix) => {
        const enc = encodeVarint(v);
        expect(enc.length).toBe(varintSize(v));
        const buf = new Uint8Array(prefix.length + enc.length);
        buf.set(prefix);
        buf.set(enc, prefix.length);
        expect(decodeVarint(buf, prefix.length, { minimal: true })).toEqual({ value: v, length: enc.length });
      }),
      fcParams(1000),
    );
  });

  it('throws only TacitError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9 }), (b) => {
        code(() => decodeVarint(b, 0, { minimal: true }));
      }),
      fcParams(1000),
    );
  });
});
