/** The rules this codec enforces beyond the RFC examples (see shared/bhttp/fields.ts for sources). */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Field,
  StreamDecoder,
} from '../../../shared/bhttp/index.ts';
import { concat, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isTacitError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

/** Decodes with both decoders and checks they agree; returns the code. */
function both(bytes: Uint8Array): string {
  const w = code(() => decodeMessage(bytes));
  const s = code(() => {
    const d = new StreamDecoder();
    d.push(bytes);
    d.end();
  });
  expect(s).toBe(w);
  return w;
}

/** A field line written by hand (ASCII, short), bypassing the encoder's checks. */
const line = ([n, v]: Field) =>
  concat(Uint8Array.of(n.length), utf8.encode(n), Uint8Array.of(v.length), utf8.encode(v));

/** An indeterminate-length GET https://a/ with these headers and trailers and empty content. */
const req = (headers: Field[], trailers: Field[] = []) =>
  concat(
    hexToBytes('02034745540568747470730161012f'),
    ...headers.map(line),
    Uint8Array.of(0, 0), // header section terminator, content terminator
    ...trailers.map(line),
    Uint8Array.of(0),
  );

describe('Binary HTTP rules', () => {
  it('accepts non-minimal integers everywhere (RFC 9292 3)', () => {
    // Framing indicator 0 as 4000, method length 3 as 4003, status 200 as 800000c8, zero lengths as 4000.
    const r = decodeRequest(hexToBytes('4000400347455405687474707300012f40004000'));
    expect(r).toMatchObject({ method: 'GET', path: '/', headers: [], truncated: true });
    expect(decodeResponse(hexToBytes('01800000c8')).status).toBe(200);
    // Indeterminate-length terminators written as 4000.
    const ind = decodeRequest(
      hexToBytes('0203474554056874747073000a2f68656c6c6f2e747874016101624000400040000000'),
    );
    expect(ind).toMatchObject({ headers: [['a', 'b']], padding: 2, truncated: false });
    expect(both(hexToBytes('0203474554056874747073000a2f68656c6c6f2e747874016101624000400040000000'))).toBe(
      'ok',
    );
  });

  it('pseudo-fields: extensions allowed first in headers, never after regular fields or in trailers', () => {
    expect(
      both(
        req([
          [':protocol', 'websocket'],
          ['a', 'b'],
        ]),
      ),
    ).toBe('ok');
    expect(
      both(
        req([
          ['a', 'b'],
          [':protocol', 'websocket'],
        ]),
      ),
    ).toBe('ERR_MALFORMED');
    expect(both(req([], [[':protocol', 'x']]))).toBe('ERR_MALFORMED');
    for (const p of [':method', ':scheme', ':authority', ':path', ':status']) {
      expect(both(req([[p, 'x']]))).toBe('ERR_MALFORMED');
    }
    expect(both(req([[':', 'x']]))).toBe('ERR_MALFORMED');
  });

  it('field names are lowercase tokens; values carry no NUL/CR/LF or edge whitespace (RFC 9113 8.2.1)', () => {
    expect(both(req([['Content-Type', 'x']]))).toBe('ERR_MALFORMED');
    expect(both(req([['a b', 'x']]))).toBe('ERR_MALFORMED');
    expect(both(req([['a', 'x\r\ny: z']]))).toBe('ERR_MALFORMED');
    expect(both(req([['a', ' x']]))).toBe('ERR_MALFORMED');
    expect(both(req([['a', 'x\t']]))).toBe('ERR_MALFORMED');
  });

  it('status codes: informational 100..199, final 200..599', () => {
    expect(both(hexToBytes('014063'))).toBe('ERR_MALFORMED'); // 99
    expect(both(hexToBytes('014258'))).toBe('ERR_MALFORMED'); // 600
    expect(both(hexToBytes('01406400'))).toBe('ERR_TRUNCATED'); // 100, empty headers, no final status
    expect(both(hexToBytes('0140640040c8'))).toBe('ok');
    expect(code(() => encodeResponse({ status: 199 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => encodeResponse({ status: 200, informational: [{ status: 200, headers: [] }] }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('control data: method is a token; scheme, authority and path are visible ASCII', () => {
    expect(both(hexToBytes('000347205405687474707300012f'))).toBe('ERR_MALFORMED'); // "G T"
    expect(both(hexToBytes('0000056874747073000'.concat('12f')))).toBe('ERR_MALFORMED'); // empty method
    expect(both(hexToBytes('000347455405687474707300032f0a61'))).toBe('ERR_MALFORMED'); // LF in path
    expect(code(() => encodeRequest({ method: 'GET', scheme: 'https', authority: 'a b', path: '/' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('the encoder refuses what the decoder rejects', () => {
    const m = { method: 'GET', scheme: 'https', authority: 'a', path: '/' };
    expect(code(() => encodeRequest({ ...m, headers: [['A', 'b']] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => encodeRequest({ ...m, headers: [['a', 'b\n']] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => encodeRequest({ ...m, trailers: [[':x', 'b']] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => encodeRequest({ ...m, headers: [['a', '\u0100']] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => encodeRequest({ ...m }, { padding: -1 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('known-length sections: a line running past its section is malformed, a section past the input truncated', () => {
    expect(both(hexToBytes('000347455405687474707300012f0301610500'))).toBe('ERR_MALFORMED');
    expect(both(hexToBytes('000347455405687474707300012f05016101'))).toBe('ERR_TRUNCATED');
  });

  it('bytes 0x80..0xff in values round-trip as one character each', () => {
    const m = {
      method: 'GET',
      scheme: 'https',
      authority: 'a',
      path: '/',
      headers: [['x', 'caf\u00e9 \u00ff'] as Field],
    };
    const d = decodeRequest(encodeRequest(m));
    expect(d.headers).toEqual(m.headers);
  });
});
