/**
 * Oblivious HTTP (RFC 9458) and chunked OHTTP (draft-ietf-ohai-chunked-ohttp-08): the encryption
 * layer only. The bytes inside are Binary HTTP (shared/bhttp); nothing here parses them.
 *
 * Client (RFC 9458 4.3-4.4):
 *   const req = await encapsulateRequest(config, bhttpBytes, { primitives?, suite? });
 *   send req.encapsulatedRequest as `message/ohttp-req`;
 *   const bhttpResponse = await req.openResponse(body);            // ERR_DECRYPT on any failure
 *
 * Gateway (RFC 9458 5.2): keys come from importServerKey (shared/keys).
 *   parseEncapsulatedRequest(keys, body)   -> { keyId, enc, ... } without decrypting (replay cache)
 *   const d = await decapsulateRequest(keys, body);   // ERR_TRUNCATED | ERR_UNKNOWN_KEY | ERR_DECRYPT
 *   d.request, d.keyId, d.enc;  const res = await d.sealResponse(bhttpResponse);  // `message/ohttp-res`
 *
 * Chunked (draft-ietf-ohai-chunked-ohttp-08), streams in both directions; a ByteSource is a web
 * ReadableStream, an async iterable (Node Readable) or an iterable of Uint8Array:
 *   client:  const c = await encapsulateChunkedRequest(config, plaintextSource, { maxChunkSize? });
 *            send c.body (`message/ohttp-chunked-req`), then
 *            for await (const piece of c.openResponse(responseBody)) ...   // plaintext per chunk
 *   gateway: const g = await decapsulateChunkedRequest(keys, requestBody);  // after hdr || enc only
 *            g.keyId, g.enc; for await (const piece of g.request) ...       // as chunks arrive
 *            return g.encapsulateResponse(plaintextSource)                  // nonce goes out first
 *   Chunk by chunk instead of streams: createChunkedRequest(...).seal(pt, final),
 *   g.createResponse() -> { header, seal(pt, final) }.
 *   A stream that ends without its final chunk errors with ERR_STREAM_TRUNCATED, never ends cleanly;
 *   a chunk over maxChunkSize (default 1 MiB) is ERR_TOO_LARGE.
 *
 * Randomness: `ephemeralPrivateKey` and `responseNonce` options exist for known-answer tests only.
 */

export {
  type ByteSource,
  type ChunkedClientRequest,
  type ChunkedGatewayRequest,
  type ChunkedOptions,
  ChunkedRequestSealer,
  type ChunkedResponseOptions,
  ChunkedResponseSealer,
  createChunkedRequest,
  DEFAULT_MAX_CHUNK_SIZE,
  decapsulateChunkedRequest,
  encapsulateChunkedRequest,
} from './chunked/index.ts';
export { LABELS, MEDIA_TYPES } from './constants.ts';
export {
  type DecapsulatedRequest,
  decapsulateRequest,
  parseEncapsulatedRequest,
  type SealResponseOptions,
} from './gateway.ts';
export { HEADER_LENGTH, type ParsedRequestHeader, type RequestHeader } from './header.ts';
export {
  type ClientRequestContext,
  type EncapsulatedRequest,
  type EncapsulateOptions,
  encapsulateRequest,
  openResponse,
} from './request.ts';
