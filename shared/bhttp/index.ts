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
