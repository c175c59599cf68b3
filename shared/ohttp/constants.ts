/** Labels and media types of RFC 9458 and draft-ietf-ohai-chunked-ohttp-08, encoded once. */
import { utf8 } from '../bytes.ts';

/** RFC 9458 4.3 / 4.4 and chunked-ohttp-08 6.1 / 6.2. */
export const LABELS = {
  request: utf8.encode('message/bhttp request'),
  response: utf8.encode('message/bhttp response'),
  chunkedRequest: utf8.encode('message/bhttp chunked request'),
  chunkedResponse: utf8.encode('message/bhttp chunked response'),
  key: utf8.encode('key'),
  nonce: utf8.encode('nonce'),
  /** chunked-ohttp-08: the AAD of the final chunk in both directions (non-final chunks use ""). */
  final: utf8.encode('final'),
} as const;

export const MEDIA_TYPES = {
  keys: 'application/ohttp-keys',
  request: 'message/ohttp-req',
  response: 'message/ohttp-res',
  chunkedRequest: 'message/ohttp-chunked-req',
  chunkedResponse: 'message/ohttp-chunked-res',
  bhttp: 'message/bhttp',
} as const;
