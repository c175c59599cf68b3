/** Chunked OHTTP (draft-ietf-ohai-chunked-ohttp-08); see shared/ohttp/index.ts for the overview. */
export { ChunkParser, DEFAULT_MAX_CHUNK_SIZE, frameChunk, type RawChunk } from './framing.ts';
export {
  type ChunkedClientRequest,
  type ChunkedGatewayRequest,
  type ChunkedOptions,
  ChunkedRequestSealer,
  createChunkedRequest,
  decapsulateChunkedRequest,
  encapsulateChunkedRequest,
} from './request.ts';
export {
  type ChunkedResponseOptions,
  ChunkedResponseSealer,
  createResponseSealer,
  openChunkedResponse,
} from './response.ts';
export { type ByteSource, iterateBytes, toReadableStream } from './source.ts';
