/**
 * The gateway's key manifest as a client reads it (format: docs/trust.md, gateway/trust/manifest.ts).
 * The bytes must be exactly the RFC 8785 canonical form of what they parse to, so that the hash the
 * attestation binds names one manifest and one meaning. Throws ERR_MALFORMED only.
 */
import { malformed } from '../../shared/errors.ts';
import { decodeBase64Url } from '../../shared/note/base64.ts';
import { canonicalize, type JsonValue } from '../../shared/receipt/jcs.ts';

export interface Manifest {
  readonly provider: 'dev' | 'aws-nitro';
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
