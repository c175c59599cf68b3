/**
 * Byte sources for the streaming decoder: an AsyncIterable<Uint8Array> or a web ReadableStream, split
 * anywhere. Only web APIs: runs in browsers (where ReadableStream may not be async-iterable) and Node.
 */
import { invalidArgument } from '../errors.ts';
import { type StreamDecodeOptions, StreamDecoder, type StreamPart } from './stream-decode.ts';

export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Iterates a ByteSource; stopping early cancels a ReadableStream (and returns an iterator). */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source)) {
    throw invalidArgument('byte source must be an AsyncIterable<Uint8Array> or a ReadableStream');
  }
  yield* source;
}

/**
 * Decodes a Binary HTTP message from a byte source, yielding each part as soon as it is complete:
 * informational responses, the head, content pieces, trailers, then `end`. A source that stops where
 * RFC 9292 3.8 does not allow throws ERR_TRUNCATED after the parts already yielded.
 */
export async function* decodeStream(
  source: ByteSource,
  options?: StreamDecodeOptions,
): AsyncGenerator<StreamPart, void, undefined> {
  const decoder = new StreamDecoder(options);
  for await (const bytes of iterateBytes(source)) yield* decoder.push(bytes);
  yield* decoder.end();
}
