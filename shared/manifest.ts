/**
 * The key manifest: everything a client must bind to the enclave before it trusts an answer, in one
 * RFC 8785 canonical JSON object whose SHA-256 goes into the attestation evidence (Nitro `user_data`,
 * the dev format's `manifestHash`). The gateway encodes it, the client parses the same bytes and
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
 * The parser accepts only bytes that are exactly the canonical form of what they parse to, so that the
 * hash names one manifest and one meaning; it throws ERR_MALFORMED only.
 */
import { malformed } from './errors.ts';
import { encodeKeyConfig, type KeyConfig } from './keys/index.ts';
import { decodeBase64Url, encodeBase64Url } from './note/base64.ts';
import { canonicalize, type JsonValue } from './receipt/jcs.ts';

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

/** The canonical bytes that are served and hashed, and the expiry in unix seconds. */
export function encodeManifest(m: ManifestInput): { bytes: Uint8Array; expires: number } {
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
  return { bytes: new TextEncoder().encode(canonicalize(value)), expires };
}

export interface Manifest {
  readonly provider: Provider;
  /** Encoded RFC 9458 3.1 key configurations. */
  readonly keys: readonly Uint8Array[];
  /** Ed25519 receipt-signing public key. */
  readonly receiptKey: Uint8Array;
  readonly log: { readonly origin: string; readonly key: string };
  /** `sha256:<hex>` model digests. */
  readonly models: readonly string[];
  /** Unix seconds. */
  readonly issued: number;
  readonly expires: number;
}

const FIELDS = ['expires', 'issued', 'keys', 'log', 'models', 'provider', 'receiptKey', 'v'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseManifest(bytes: Uint8Array): Manifest {
  let text: string;
  let v: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    v = JSON.parse(text);
  } catch {
    throw malformed('manifest (not JSON)');
  }
  let again: string;
  try {
    again = canonicalize(v as JsonValue);
  } catch {
    throw malformed('manifest (not I-JSON)');
  }
  if (again !== text || !isObject(v)) throw malformed('manifest (not canonical)');
  if (Object.keys(v).sort().join() !== FIELDS.join()) throw malformed('manifest (fields)');
  if (v.v !== 1) throw malformed('manifest version');
  if (v.provider !== 'dev' && v.provider !== 'aws-nitro') throw malformed('manifest provider');
  if (!Array.isArray(v.keys) || v.keys.length === 0 || v.keys.length > 256) throw malformed('manifest keys');
  const keys = v.keys.map((k) => {
    if (typeof k !== 'string') throw malformed('manifest key');
    return decodeBase64Url(k, 'manifest key');
  });
  if (typeof v.receiptKey !== 'string') throw malformed('manifest receiptKey');
  const receiptKey = decodeBase64Url(v.receiptKey, 'manifest receiptKey');
  if (receiptKey.length !== 32) throw malformed('manifest receiptKey');
  const log = v.log;
  if (!isObject(log) || Object.keys(log).sort().join() !== 'key,origin') throw malformed('manifest log');
  if (typeof log.origin !== 'string' || typeof log.key !== 'string') throw malformed('manifest log');
  if (
    !Array.isArray(v.models) ||
    v.models.some((m) => typeof m !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(m))
  )
    throw malformed('manifest models');
  for (const t of [v.issued, v.expires])
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) throw malformed('manifest time');
  return {
    provider: v.provider,
    keys,
    receiptKey,
    log: { origin: log.origin, key: log.key },
    models: v.models as string[],
    issued: v.issued as number,
    expires: v.expires as number,
  };
}
