/**
 * Strict base64 (RFC 4648 section 4) and base64url (section 5, unpadded) decoders. `atob` forgives
 * whitespace, missing padding and non-zero trailing bits; a signed format must not, or one value has
 * many encodings. Every decoder here accepts exactly the canonical encoding and throws only TacitError.
 */
import { fromBase64, toBase64 } from '../bytes.ts';
import { malformed } from '../errors.ts';

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL = /^[A-Za-z0-9_-]*$/;

/** Standard, padded base64; rejects anything that would not re-encode to the same string. */
export function decodeBase64(s: string, what: string): Uint8Array {
  if (!STD.test(s)) throw malformed(what);
  const out = fromBase64(s);
  if (toBase64(out) !== s) throw malformed(what);
  return out;
}

export function encodeBase64Url(b: Uint8Array): string {
  return toBase64(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Unpadded base64url (RFC 4648 section 5, as in JOSE); canonical form only. */
export function decodeBase64Url(s: string, what: string): Uint8Array {
  if (!URL.test(s) || s.length % 4 === 1) throw malformed(what);
  const out = fromBase64(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  if (encodeBase64Url(out) !== s) throw malformed(what);
  return out;
}
