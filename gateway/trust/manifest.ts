/**
 * The key manifest: everything a client must bind to the enclave before it trusts an answer, in one
 * RFC 8785 canonical JSON object whose SHA-256 goes into the attestation evidence (Nitro `user_data`,
 * the dev format's `manifestHash`). The client parses the same bytes (client/verify/manifest.ts) and
 * recomputes the hash, so nothing in it can be swapped without breaking the attestation.
 *
 *   { "v": 1,
 *     "provider": "dev" | "aws-nitro",
 *     "keys": [ base64url(RFC 9458 3.1 key configuration), ... ],   every active HPKE configuration
 *     "receiptKey": base64url(32-byte Ed25519 public key),           signs every receipt
 *     "log": { "origin": "...", "key": "<c2sp.org/signed-note verifier key>" },
 *     "models": [ "sha256:<hex>", ... ],                            what the gateway may answer with
 *     "issued": unix seconds, "expires": unix seconds }
 *
 * A manifest changes whenever the key set changes (rotation), so attestation is per manifest, not
 * per process; `expires` bounds how long a client may keep using one without attesting again.
 */
import { createHash } from 'node:crypto';
import { encodeKeyConfig, type KeyConfig } from '../../shared/keys/index.ts';
import { encodeBase64Url } from '../../shared/note/base64.ts';
import { canonicalize } from '../../shared/receipt/jcs.ts';

export type Provider = 'dev' | 'aws-nitro';

export interface ManifestInput {
  provider: Provider;
  keys: readonly KeyConfig[];
  receiptKey: Uint8Array;
  log: { origin: string; verifierKey: string };
  models: readonly string[];
  /** Milliseconds since the epoch. */
  now: number;
  ttlMs: number;
}

export interface BuiltManifest {
  /** The canonical bytes that are served and hashed. */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`: the attestation's user data. */
  readonly hash: Uint8Array;
  readonly expires: number;
}

export function buildManifest(m: ManifestInput): BuiltManifest {
  const issued = Math.floor(m.now / 1000);
  const expires = issued + Math.max(1, Math.floor(m.ttlMs / 1000));
  const value = {
    v: 1,
    provider: m.provider,
    keys: m.keys.map((k) => encodeBase64Url(encodeKeyConfig(k))),
    receiptKey: encodeBase64Url(m.receiptKey),
    log: { origin: m.log.origin, key: m.log.verifierKey },
    models: [...new Set(m.models)].sort(),
    issued,
    expires,
  };
  const bytes = new TextEncoder().encode(canonicalize(value));
  return { bytes, hash: createHash('sha256').update(bytes).digest(), expires: expires * 1000 };
}
