/** RFC 9292 section 5 examples and the RFC 9458 minimal messages, decoded and re-encoded byte for byte. */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type Field,
  type Framing,
} from '../../../shared/bhttp/index.ts';
import { bytesToHex, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { loadVector } from '../../support/vectors.ts';

interface Decoded {
  framing: number;
  method?: string;
  scheme?: string;
  authority?: string;
  path?: string;
  status?: number;
  informational?: { status: number; headers: Field[] }[];
  headers: Field[];
  content: string;
  trailers: Field[];
  padding?: number;
}
interface Vector {
  name: string;
  origin: string;
  hex: string;
  decoded?: Decoded;
  decoded_equals?: string;
}
interface File {
  vectors: Vector[];
  invalid: { name: string; hex: string; why: string }[];
}

const file = loadVector<File>('bhttp-rfc9292.json');
const byName = new Map(file.vectors.map((v) => [v.name, v]));
const framingOf = (fi: number): Framing => (fi < 2 ? 'known-length' : 'indeterminate-length');

/** The expected decoding as our model (content as bytes, request/response fields only). */
function expected(d: Decoded): Record<string, unknown> {
  const common = { headers: d.headers, content: utf8.encode(d.content), trailers: d.trailers };
  return d.framing % 2 === 0
    ? { method: d.method, scheme: d.scheme, authority: d.authority, path: d.path, ...common }
    : { informational: d.informational ?? [], status: d.status, ...common };
}

function plain(m: object): Record<string, unknown> {
  const { framing: _f, padding: _p, truncated: _t, kind: _k, ...rest } = m as Record<string, unknown>;
  return { ...rest, content: new Uint8Array(rest.content as Uint8Array) };
}

describe('RFC 9292 known answers', () => {
  for (const v of file.vectors.filter((x) => x.decoded !== undefined)) {
    const d = v.decoded!;
    it(`${v.name}: decodes`, () => {
      const bytes = hexToBytes(v.hex);
      const m = d.framing % 2 === 0 ? decodeRequest(bytes) : decodeResponse(bytes);
      expect(plain(m)).toEqual(expected(d));
      expect(m.framing).toBe(framingOf(d.framing));
      expect(m.padding).toBe(d.padding ?? 0);
      expect(decodeMessage(bytes).kind).toBe(d.framing % 2 === 0 ? 'request' : 'response');
    });
    it(`${v.name}: re-encodes byte for byte`, () => {
      const bytes = hexToBytes(v.hex);
      const m = d.framing % 2 === 0 ? decodeRequest(bytes) : decodeResponse(bytes);
      const opts = { framing: m.framing, padding: m.padding, truncate: m.truncated };
      const enc = 'method' in m ? encodeRequest(m, opts) : encodeResponse(m, opts);
      expect(bytesToHex(enc)).toBe(v.hex);
      // And from the vector's own structure, not from our decoder's output.
      const x = expected(d) as never;
      const enc2 = d.framing % 2 === 0 ? encodeRequest(x, opts) : encodeResponse(x, opts);
      expect(bytesToHex(enc2)).toBe(v.hex);
    });
  }

  for (const v of file.vectors.filter((x) => x.decoded_equals !== undefined)) {
    it(`${v.name}: truncated form decodes to ${v.decoded_equals}`, () => {
      const base = byName.get(v.decoded_equals!.split(' ')[0]!)!;
      const m = decodeRequest(hexToBytes(v.hex));
      expect(m.truncated).toBe(true);
      expect(plain(m)).toEqual(expected(base.decoded!));
      const enc = encodeRequest(m, { framing: m.framing, truncate: true });
      expect(bytesToHex(enc)).toBe(v.hex);
    });
  }
});

describe('RFC 9292 invalid messages', () => {
  for (const v of file.invalid) {
    it(`${v.name} is rejected (${v.why})`, () => {
      let err: unknown;
      try {
        decodeMessage(hexToBytes(v.hex));
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err)).toBe(true);
      const code = (err as { code: string }).code;
      expect(code).toBe(v.name.startsWith('truncated') ? 'ERR_TRUNCATED' : 'ERR_MALFORMED');
    });
  }
});
