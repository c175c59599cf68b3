/**
 * Chunk framing of draft-ietf-ohai-chunked-ohttp-08 (6.1 requests, 6.2 responses; the same in both
 * directions after the header):
 *
 *   Non-Final Chunk { Length (i) = 1.., AEAD-Protected Chunk (Length * 8) }
 *   Final Chunk Indicator (i) = 0, AEAD-Protected Final Chunk (..)    -- runs to the end of the stream
 *
 * `ChunkParser` is push-based so that chunks are released as soon as their last byte arrives, whatever
 * the transport's read sizes. A stream that ends before the final chunk indicator is
 * ERR_STREAM_TRUNCATED: it must never look like a complete message. Every chunk, the final one
 * included, is bounded by `maxChunkSize` (ciphertext bytes) so that a peer cannot make us buffer
 * without limit (ERR_TOO_LARGE).
 */
import { concat } from '../../bytes.ts';
import { TacitError } from '../../errors.ts';
import { encodeVarint, readVarint, varintLengthOf } from '../../varint.ts';

/** Default bound on one chunk's plaintext: large enough for any sensible chunk, small enough to buffer. */
export const DEFAULT_MAX_CHUNK_SIZE = 1 << 20;

export function streamTruncated(what: string): TacitError {
  return new TacitError('ERR_STREAM_TRUNCATED', `stream ended before the final chunk (${what})`);
}

export function tooLarge(what: string): TacitError {
  return new TacitError('ERR_TOO_LARGE', `${what} exceeds the chunk size limit`);
}

/** Frames a sealed chunk: its length as a varint, or the zero indicator for the final chunk. */
export function frameChunk(ciphertext: Uint8Array, final: boolean): Uint8Array {
  return concat(encodeVarint(final ? 0 : ciphertext.length), ciphertext);
}

export interface RawChunk {
  readonly ciphertext: Uint8Array;
  readonly final: boolean;
}

export class ChunkParser {
  #buf: Uint8Array = new Uint8Array(0);
  /** Pieces of the final chunk (it has no length; it ends with the stream). */
  #final: Uint8Array[] | undefined;
  #finalSize = 0;
  #ended = false;

  /** `maxCiphertext`: the largest AEAD-protected chunk accepted (plaintext limit + Nt). */
  constructor(readonly maxCiphertext: number) {}

  /** Feeds bytes; returns the non-final chunks completed by them, in order. */
  push(bytes: Uint8Array): RawChunk[] {
    if (this.#ended) throw new TacitError('ERR_MALFORMED', 'bytes after the end of the stream');
    if (this.#final !== undefined) {
      this.#addFinal(bytes);
      return [];
    }
    this.#buf = this.#buf.length === 0 ? bytes : concat(this.#buf, bytes);
    const out: RawChunk[] = [];
    let o = 0;
    const buf = this.#buf;
    while (o < buf.length) {
      const n = varintLengthOf(buf[o]!);
      if (o + n > buf.length) break;
      let len: number;
      try {
        len = readVarint(buf, o);
      } catch {
        throw tooLarge('chunk length'); // only a > 2^53 length can fail once the bytes are there
      }
      if (len > this.maxCiphertext) throw tooLarge('chunk length');
      if (len === 0) {
        // Final chunk indicator: everything after it, to the end of the stream, is the final chunk.
        this.#final = [];
        this.#addFinal(buf.subarray(o + n));
        this.#buf = new Uint8Array(0);
        return out;
      }
      if (o + n + len > buf.length) break;
      out.push({ ciphertext: buf.subarray(o + n, o + n + len), final: false });
      o += n + len;
    }
    this.#buf = o === 0 ? buf : buf.slice(o);
    return out;
  }

  #addFinal(bytes: Uint8Array): void {
    this.#finalSize += bytes.length;
    if (this.#finalSize > this.maxCiphertext) throw tooLarge('final chunk');
    // Copied: the caller may reuse its buffer once push returns.
    if (bytes.length > 0) this.#final!.push(bytes.slice());
  }

  /** The stream has ended: returns the final chunk, or ERR_STREAM_TRUNCATED if there was none. */
  end(): RawChunk {
    if (this.#ended) throw new TacitError('ERR_MALFORMED', 'stream ended twice');
    this.#ended = true;
    if (this.#final === undefined) {
      throw streamTruncated(this.#buf.length === 0 ? 'at a chunk boundary' : 'inside a chunk');
    }
    return { ciphertext: concat(...this.#final), final: true };
  }
}
