/** The streaming decoder over a byte source (shared/byte-source.ts), split anywhere. */
import { type ByteSource, iterateBytes } from '../byte-source.ts';
import { type StreamDecodeOptions, StreamDecoder, type StreamPart } from './stream-decode.ts';

export { type ByteSource, iterateBytes } from '../byte-source.ts';

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
