/** fast-check properties of the whole-message and streaming codecs (fixed seed, see test/support/seed.ts). */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BhttpRequest,
  type BhttpResponse,
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  StreamDecoder,
  type StreamPart,
} from '../../../shared/bhttp/index.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { fcParams } from '../../support/seed.ts';
import { assemble, messageOf, options, request, response, splitAt } from './arbitraries.ts';

type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; code: string };

function whole(bytes: Uint8Array): Outcome {
  try {
    const m = decodeMessage(bytes);
    return { ok: true, value: { ...messageOf(m), padding: m.padding } };
  } catch (e) {
    if (!isTacitError(e)) throw e;
    return { ok: false, code: e.code };
  }
}

function streamed(pieces: Uint8Array[]): Outcome {
  // No section bound: the whole-message decoder has none (its input is already in memory).
  const d = new StreamDecoder({ maxSectionBytes: Number.MAX_SAFE_INTEGER });
  const parts: StreamPart[] = [];
  try {
    for (const p of pieces) parts.push(...d.push(p));
    parts.push(...d.end());
    return { ok: true, value: assemble(parts) };
  } catch (e) {
    if (!isTacitError(e)) throw e;
    return { ok: false, code: e.code };
  }
}

const message = fc.oneof(
  request.map((m) => ({ kind: 'request' as const, m })),
  response.map((m) => ({ kind: 'response' as const, m })),
);
const encode = (x: { kind: 'request' | 'response'; m: BhttpRequest | BhttpResponse }, o = {}) =>
  x.kind === 'request' ? encodeRequest(x.m as BhttpRequest, o) : encodeResponse(x.m as BhttpResponse, o);

/** The message with its last `k` sections emptied (what a prefix cut at a section start means). */
function emptied(m: BhttpRequest | BhttpResponse, k: number): Record<string, unknown> {
  const e = new Uint8Array(0);
  const c = { ...m } as Record<string, unknown>;
  if (k >= 1) c.trailers = [];
  if (k >= 2) c.content = e;
  if (k >= 3) c.headers = [];
  return messageOf(c);
}

describe('Binary HTTP properties', () => {
  it('random messages round-trip in both framings, truncated or not, padded or not', () => {
    fc.assert(
      fc.property(message, options, (x, o) => {
        const bytes = encode(x, o);
        const d = x.kind === 'request' ? decodeRequest(bytes) : decodeResponse(bytes);
        expect(messageOf(d)).toEqual(messageOf(x.m));
        expect(d.framing).toBe(o.framing);
        if (!o.truncate) {
          expect(d.padding).toBe(o.padding);
          expect(encode(x, { ...o, framing: d.framing, padding: d.padding })).toEqual(bytes);
        }
      }),
      fcParams(300),
    );
  });

  it('every prefix decodes to the message with trailing sections emptied, or throws ERR_TRUNCATED', () => {
    fc.assert(
      fc.property(message, options, (x, o) => {
        const bytes = encode(x, { framing: o.framing });
        const candidates = [0, 1, 2, 3].map((k) => emptied(x.m, k));
        for (let n = 0; n <= bytes.length; n++) {
          const prefix = bytes.subarray(0, n);
          const w = whole(prefix);
          if (w.ok) {
            const { padding, ...m } = w.value;
            expect(padding).toBe(0);
            if (!candidates.some((c) => isDeepStrictEqual(c, m))) expect(candidates).toContainEqual(m);
          } else {
            expect(w.code).toBe('ERR_TRUNCATED');
          }
          // The streaming decoder agrees on every prefix (deep equality checked cheaply first).
          const s = streamed([prefix]);
          if (!isDeepStrictEqual(s, w)) expect(s).toEqual(w);
        }
        expect(whole(bytes).ok).toBe(true);
      }),
      fcParams(80),
    );
  });

  it('the streaming decoder gives the whole-message result for every split', () => {
    fc.assert(
      fc.property(message, options, fc.array(fc.nat(), { maxLength: 12 }), (x, o, cuts) => {
        const bytes = encode(x, o);
        const expected = whole(bytes);
        expect(expected.ok).toBe(true);
        expect(streamed(splitAt(bytes, cuts))).toEqual(expected);
        // Byte by byte as the extreme split.
        expect(streamed(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(expected);
      }),
      fcParams(200),
    );
  });

  it('whole and streaming decoders agree on mutated messages', () => {
    fc.assert(
      fc.property(
        message,
        options,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (x, o, flips, cuts) => {
          const bytes = encode(x, o).slice();
          for (const [at, mask] of flips) if (bytes.length > 0) bytes[at % bytes.length]! ^= mask;
          expect(streamed(splitAt(bytes, cuts))).toEqual(whole(bytes));
        },
      ),
      fcParams(500),
    );
  });

  it('random bytes throw only TacitError, from both decoders', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 3 }), (bytes, cuts) => {
        const w = whole(bytes);
        const s = streamed(splitAt(bytes, cuts));
        expect(s.ok).toBe(w.ok);
        for (const f of [decodeRequest, decodeResponse]) {
          try {
            f(bytes);
          } catch (e) {
            expect(isTacitError(e)).toBe(true);
          }
        }
      }),
      fcParams(1000),
    );
  });
});
