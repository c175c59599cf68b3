/**
 * The response key schedule of RFC 9458 4.4, also used by chunked-ohttp-08 6.2 with its own label:
 *
 *   secret         = context.Export(label, max(Nn, Nk))
 *   response_nonce = random(max(Nn, Nk))
 *   salt           = enc || response_nonce
 *   prk            = Extract(salt, secret)
 *   aead_key       = Expand(prk, "key", Nk)
 *   aead_nonce     = Expand(prk, "nonce", Nn)
 *
 * Extract and Expand are the suite's plain HKDF (not the labeled HPKE forms). The salt is longer than
 * one hash, which is why this is derived on the raw primitives and not through @hpke/core.
 */
import { concat } from '../bytes.ts';
import { invalidArgument } from '../errors.ts';
import type { HpkeContext } from '../hpke/context.ts';
import type { AeadKey } from '../hpke/primitives.ts';
import { run, type Steps } from '../hpke/steps.ts';
import type { CipherSuite } from '../hpke/suite.ts';
import { LABELS } from './constants.ts';

export interface ResponseKey {
  readonly responseNonce: Uint8Array;
  readonly aead: AeadKey;
  /** aead_nonce; chunked responses XOR a chunk counter into it. */
  readonly nonce: Uint8Array;
}

/** max(Nn, Nk): the length of the exported secret and of the response nonce. */
export function responseNonceLength(suite: CipherSuite): number {
  return Math.max(suite.aead.Nn, suite.aead.Nk);
}

export function* deriveResponseKeySteps(
  suite: CipherSuite,
  context: HpkeContext,
  enc: Uint8Array,
  label: Uint8Array,
  responseNonce: Uint8Array,
): Steps<ResponseKey> {
  const n = responseNonceLength(suite);
  if (responseNonce.length !== n) throw invalidArgument(`response nonce must be ${n} bytes`);
  const p = suite.primitives;
  const hash = suite.kdf.hash;
  const secret = yield* context.exportSteps(label, n);
  const prk = (yield p.extract(hash, concat(enc, responseNonce), secret)) as Uint8Array;
  const key = (yield p.expand(hash, prk, LABELS.key, suite.aead.Nk)) as Uint8Array;
  const nonce = (yield p.expand(hash, prk, LABELS.nonce, suite.aead.Nn)) as Uint8Array;
  return { responseNonce, aead: (yield p.aeadKey(suite.aead.id, key)) as AeadKey, nonce };
}

export async function deriveResponseKey(
  suite: CipherSuite,
  context: HpkeContext,
  enc: Uint8Array,
  label: Uint8Array,
  responseNonce: Uint8Array,
): Promise<ResponseKey> {
  return run(deriveResponseKeySteps(suite, context, enc, label, responseNonce));
}
