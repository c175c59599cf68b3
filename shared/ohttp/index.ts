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
 * Randomness: `ephemeralPrivateKey` and `responseNonce` options exist for known-answer tests only.
 */
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
