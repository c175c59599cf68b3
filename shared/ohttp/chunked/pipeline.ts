/**
 * The two loops every chunked direction shares (draft-ietf-ohai-chunked-ohttp-08 6):
 * - sealing: header first, then one chunk per source piece as soon as it is produced (split at the
 *   size limit, empty pieces skipped), then an empty final chunk when the source ends. Sending each
 *   piece at once (rather than holding one back to mark it final) keeps streamed answers interactive.
 * - opening: chunks released as soon as they are complete; the stream is complete only after the final
 *   chunk (AAD "final") has opened, and ends in ERR_STREAM_TRUNCATED otherwise.
 */
import { ChunkParser, type RawChunk } from './framing.ts';

export type SealChunk = (plaintext: Uint8Array, final: boolean) => Promise<Uint8Array>;
export type OpenChunk = (chunk: RawChunk) => Promise<Uint8Array>;

const EMPTY = new Uint8Array(0);

export async function* sealChunks(
  header: Uint8Array,
  source: AsyncIterator<Uint8Array>,
  maxChunkSize: number,
  seal: SealChunk,
): AsyncGenerator<Uint8Array> {
  // The header (hdr || enc, or the response nonce) leaves before the source is first read.
  yield header;
  for (;;) {
    const r = await source.next();
    if (r.done) break;
    const piece = r.value;
    for (let o = 0; o < piece.length; o += maxChunkSize) {
      yield await seal(piece.subarray(o, Math.min(piece.length, o + maxChunkSize)), false);
    }
  }
  yield await seal(EMPTY, true);
}

export async function* openChunks(
  source: AsyncIterator<Uint8Array>,
  first: Uint8Array,
  maxCiphertext: number,
  open: OpenChunk,
): AsyncGenerator<Uint8Array> {
  const parser = new ChunkParser(maxCiphertext);
  let pending = parser.push(first);
  for (;;) {
    for (const c of pending) {
      const pt = await open(c);
      if (pt.length > 0) yield pt;
    }
    const r = await source.next();
    if (r.done) break;
    pending = parser.push(r.value);
  }
  const pt = await open(parser.end());
  if (pt.length > 0) yield pt;
}
