/**
 * Binary HTTP (RFC 9292): the only module others should import from shared/bhttp.
 *
 * Model (types.ts): `Field = [name, value]` (one byte per character, names lowercase);
 *   BhttpRequest { method, scheme, authority, path, headers, content: Uint8Array, trailers }
 *   BhttpResponse { informational: {status, headers}[], status, headers, content, trailers }
 *
 * Whole messages:
 *   encodeRequest(msg, opts?) / encodeResponse(msg, opts?): Uint8Array
 *     opts: { framing?: 'known-length' (default) | 'indeterminate-length', truncate?: boolean (default
 *     false: every section written), padding?: number (zero bytes), padTo?: (len) => len }
 *   decodeRequest(bytes) / decodeResponse(bytes) / decodeMessage(bytes) -> message & { framing, padding,
 *     truncated } (decodeMessage adds kind: 'request' | 'response'). Content may be a view of `bytes`.
 *
 * Streaming (indeterminate-length, or known-length on the decoding side):
 *   new StreamEncoder('request' | 'response'): .informational(info) .head(head) .chunk(bytes)
 *     .end(trailers?, { padding?, padTo? }) -> Uint8Array each; .length = bytes so far
 *   encodeRequestStream({ head, body?, trailers? }, endOpts?) / encodeResponseStream({ head,
 *     informational?, body?, trailers? }, endOpts?) -> ReadableStream<Uint8Array>
 *   new StreamDecoder({ expect?, maxSectionBytes? }): .push(bytes) / .end() -> StreamPart[]
 *   decodeStream(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, opts?)
 *     -> AsyncGenerator<StreamPart>: 'informational'*, 'request-head' | 'response-head', 'content'*,
 *     'trailers', 'end' { padding, truncated }. Truncation mid-structure: ERR_TRUNCATED.
 *
 * WHATWG fetch objects (fetch.ts explains what a Request/Response cannot carry):
 *   fromRequest(req): Promise<BhttpRequest>        toRequest(msg, { signal? }): Request
 *   fromResponse(res): Promise<BhttpResponse>      toResponse(msg): Response
 *   fromRequestStreaming(req, endOpts?) / fromResponseStreaming(res, { informational?, ...endOpts })
 *     -> ReadableStream<Uint8Array> of indeterminate-length bytes, body streamed
 *   toRequestStreaming(source, opts?) -> Promise<{ request, trailers: Promise<Field[]> }>
 *   toResponseStreaming(source, opts?) -> Promise<{ response, informational, trailers }>
 *     (the body stream errors with the TacitError if the message turns out truncated or invalid)
 *
 * Errors: only TacitError. ERR_TRUNCATED (input ended where RFC 9292 3.8 does not allow),
 * ERR_MALFORMED (framing indicator, status range, field rules, non-zero padding...), ERR_TOO_LARGE
 * (streaming section bound), ERR_UNSUPPORTED (varint > 2^53-1; not representable as Request/Response),
 * ERR_INVALID_ARGUMENT (encoding a message the decoder would reject). Non-minimal varints are accepted
 * (RFC 9292 3). Padding policies live in shared/padding.
 */
export type { DecodedMessage } from './decode.ts';
export { decodeMessage, decodeRequest, decodeResponse } from './decode.ts';
export type { RequestInput, ResponseInput } from './encode.ts';
export { encodeRequest, encodeResponse } from './encode.ts';
export {
  fromRequest,
  fromRequestStreaming,
  fromResponse,
  fromResponseStreaming,
  toRequest,
  toRequestStreaming,
  toResponse,
  toResponseStreaming,
} from './fetch.ts';
export type { ByteSource } from './source.ts';
export { decodeStream, iterateBytes } from './source.ts';
export type { StreamDecodeOptions, StreamPart } from './stream-decode.ts';
export { StreamDecoder } from './stream-decode.ts';
export type { EncodeStreamInput, EndOptions } from './stream-encode.ts';
export { encodeRequestStream, encodeResponseStream, StreamEncoder } from './stream-encode.ts';
export * from './types.ts';
