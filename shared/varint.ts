/**
 * QUIC variable-length integers (RFC 9000 16).
 *
 * The two most significant bits of the first byte give the encoded length (1, 2, 4 or 8 bytes); the
 * remaining bits, big-endian, give the value, up to 2^62 - 1. JavaScript numbers are exact only up to
 * 2^53 - 1, so this module encodes and decodes values in 0..Number.MAX_SAFE_INTEGER; a larger decoded
 * value is reported as ERR_UNSUPPORTED (no message of ours can be that large anyway).
 *
 * Minimal encodings: RFC 9000 16 says values "do not need to be encoded on the minimum number of bytes
 * necessary, with the sole exception of the Frame Type field" (RFC 9000 12.4), and RFC 9292 3 repeats
 * it for Binary HTTP: "Integer values do not need to be encoded on the minimum number of bytes
 * necessary." So decoding accepts longer forms by default; a caller whose format demands the minimal
 * form passes `{ minimal: true }` and gets ERR_NON_MINIMAL. Encoding always emits the minimal form.
 */
import { invalidArgument, TacitError, truncated } from './errors.ts';

/** Largest value this module encodes (the wire allows 2^62 - 1; see the file comment). */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

export interface VarintOptions {
  /** Reject an encoding longer than needed with ERR_NON_MINIMAL (default false: RFC 9000 16 allows it). */
  minimal?: boolean;
}

/** Encoded length implied by a first byte: RFC 9000 16, Table 4 (the two most significant bits). */
export function varintLengthOf(firstByte: number): 1 | 2 | 4 | 8 {
  return (1 << (firstByte >> 6)) as 1 | 2 | 4 | 8;
}

/** Length of the minimal encoding of `value`: RFC 9000 16, Table 4 ranges. */
export function varintSize(value: number): 1 | 2 | 4 | 8 {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`varint value must be an integer in 0..2^53-1, got ${value}`);
  }
}

/**
 * Writes the minimal encoding of `value` into `out` at `offset` and returns the offset after it.
 * The caller sizes `out` with `varintSize` (the Binary HTTP encoder allocates once per message).
 */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  checkValue(value);
  if (value < 0x40) {
    out[offset] = value;
    return offset + 1;
  }
  if (value < 0x4000) {
    out[offset] = 0x40 | (value >>> 8);
    out[offset + 1] = value & 0xff;
    return offset + 2;
  }
  if (value < 0x40000000) {
    out[offset] = 0x80 | (value >>> 24);
    out[offset + 1] = (value >>> 16) & 0xff;
    out[offset + 2] = (value >>> 8) & 0xff;
    out[offset + 3] = value & 0xff;
    return offset + 4;
  }
  // 8 bytes: split into two 32-bit halves; bit operators only work on 32 bits.
  const hi = Math.floor(value / 0x100000000);
  const lo = value >>> 0;
  out[offset] = 0xc0 | (hi >>> 24);
  out[offset + 1] = (hi >>> 16) & 0xff;
  out[offset + 2] = (hi >>> 8) & 0xff;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
  return offset + 8;
}

/** The minimal encoding of `value` (RFC 9000 16). */
export function encodeVarint(value: number): Uint8Array {
  checkValue(value);
  const out = new Uint8Array(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

/**
 * Reads the varint at `offset` (which must be < `end`) and returns its value; its length is
 * `varintLengthOf(bytes[offset])`. This is the allocation-free form used on hot paths.
 * Throws ERR_TRUNCATED if the encoding runs past `end`.
 */
export function readVarint(
  bytes: Uint8Array,
  offset: number,
  end: number = bytes.length,
  options?: VarintOptions,
): number {
  if (offset >= end) throw truncated('varint');
  const first = bytes[offset]!;
  const n = varintLengthOf(first);
  if (offset + n > end) throw truncated('varint');
  let value: number;
  switch (n) {
    case 1:
      value = first;
      break;
    case 2:
      value = ((first & 0x3f) << 8) | bytes[offset + 1]!;
      break;
    case 4:
      // The top byte is at most 0x3f, so the signed 32-bit result of `|` stays positive.
      value =
        ((first & 0x3f) << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      break;
    default: {
      const hi =
        (((first & 0x3f) << 24) |
          (bytes[offset + 1]! << 16) |
          (bytes[offset + 2]! << 8) |
          bytes[offset + 3]!) >>>
        0;
      const lo =
        ((bytes[offset + 4]! << 24) |
          (bytes[offset + 5]! << 16) |
          (bytes[offset + 6]! << 8) |
          bytes[offset + 7]!) >>>
        0;
      if (hi > 0x1fffff) {
        throw new TacitError('ERR_UNSUPPORTED', 'varint value exceeds 2^53-1');
      }
      value = hi * 0x100000000 + lo;
    }
  }
  if (options?.minimal === true && n > 1 && varintSize(value) !== n) {
    throw new TacitError('ERR_NON_MINIMAL', `varint ${value} encoded on ${n} bytes`);
  }
  return value;
}

/** Decodes the varint at `offset`: its value and its encoded length in bytes. */
export function decodeVarint(
  bytes: Uint8Array,
  offset = 0,
  options?: VarintOptions,
): { value: number; length: number } {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('varint input must be a Uint8Array');
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument('varint offset must be >= 0');
  const value = readVarint(bytes, offset, bytes.length, options);
  return { value, length: varintLengthOf(bytes[offset]!) };
}
