/** fast-check generators for valid Binary HTTP messages, and helpers shared by the bhttp suites. */
import fc from 'fast-check';
import type {
  BhttpRequest,
  BhttpResponse,
  EncodeOptions,
  Field,
  InformationalResponse,
  StreamPart,
} from '../../../shared/bhttp/index.ts';

const NAME_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz".split('');
const VISIBLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i));
const TOKEN = [...NAME_CHARS, ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')];

const name = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 12 });
// Any byte but NUL, CR, LF; no leading or trailing SP/HTAB (RFC 9113 8.2.1).
const valueByte = fc
  .integer({ min: 1, max: 255 })
  .filter((c) => c !== 0x0a && c !== 0x0d)
  .map((c) => String.fromCharCode(c));
const value = fc
  .string({ unit: valueByte, maxLength: 20 })
  .filter((v) => v === '' || !/^[ \t]|[ \t]$/.test(v));

export const fields: fc.Arbitrary<Field[]> = fc.array(fc.tuple(name, value), { maxLength: 5 });
/** Sometimes big enough for 2-byte lengths. */
export const content = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 60, maxLength: 300 }),
  fc.constant(new Uint8Array(0)),
);

export const request: fc.Arbitrary<BhttpRequest> = fc.record({
  method: fc.string({ unit: fc.constantFrom(...TOKEN), minLength: 1, maxLength: 8 }),
  scheme: fc.constantFrom('https', 'http', ''),
  authority: fc.string({ unit: fc.constantFrom(...VISIBLE), maxLength: 20 }),
  path: fc.string({ unit: fc.constantFrom(...VISIBLE), maxLength: 30 }),
  headers: fields,
  content,
  trailers: fields,
});

const informational: fc.Arbitrary<InformationalResponse> = fc.record({
  status: fc.integer({ min: 100, max: 199 }),
  headers: fields,
});

export const response: fc.Arbitrary<BhttpResponse> = fc.record({
  informational: fc.array(informational, { maxLength: 2 }),
  status: fc.integer({ min: 200, max: 599 }),
  headers: fields,
  content,
  trailers: fields,
});

export const options: fc.Arbitrary<EncodeOptions> = fc.record({
  framing: fc.constantFrom('known-length' as const, 'indeterminate-length' as const),
  truncate: fc.boolean(),
  padding: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 })),
});

/** Just the message, content copied, for comparison with toEqual. */
export function messageOf(m: object): Record<string, unknown> {
  const { framing: _f, padding: _p, truncated: _t, kind: _k, ...rest } = m as Record<string, unknown>;
  return { ...rest, content: new Uint8Array(rest.content as Uint8Array) };
}

/** Reassembles streamed parts into the shape the whole-message decoder returns. */
export function assemble(parts: StreamPart[]): Record<string, unknown> {
  const info: InformationalResponse[] = [];
  let head: Record<string, unknown> = {};
  const pieces: Uint8Array[] = [];
  let trailers: Field[] = [];
  let padding = -1;
  let order = 0;
  for (const p of parts) {
    if (p.type === 'informational') {
      if (order > 0) throw new Error('informational after head');
      info.push(p.informational);
    } else if (p.type === 'request-head' || p.type === 'response-head') {
      if (order !== 0) throw new Error('head twice');
      order = 1;
      head = p.type === 'request-head' ? { ...p.head } : { informational: info, ...p.head };
    } else if (p.type === 'content') {
      if (order !== 1 || p.chunk.length === 0) throw new Error('bad content part');
      pieces.push(p.chunk);
    } else if (p.type === 'trailers') {
      if (order !== 1) throw new Error('trailers out of order');
      order = 2;
      trailers = p.trailers;
    } else {
      if (order !== 2) throw new Error('end before trailers');
      padding = p.padding;
      order = 3;
    }
  }
  if (order !== 3) throw new Error('no end part');
  const n = pieces.reduce((a, b) => a + b.length, 0);
  const body = new Uint8Array(n);
  let off = 0;
  for (const x of pieces) {
    body.set(x, off);
    off += x.length;
  }
  return { ...head, content: body, trailers, padding };
}

/** Splits bytes at the given cut points (sorted, deduplicated, within range). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
