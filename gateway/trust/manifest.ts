/**
 * The manifest as the gateway serves it: the shared wire form (shared/manifest.ts) plus its SHA-256,
 * which is the attestation's user data.
 */
import { createHash } from 'node:crypto';
import { encodeManifest, type ManifestInput } from '../../shared/manifest.ts';

export type { ManifestInput, Provider } from '../../shared/manifest.ts';

export interface BuiltManifest {
  /** The canonical bytes that are served and hashed. */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`: the attestation's user data. */
  readonly hash: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly expires: number;
}

export function buildManifest(m: ManifestInput): BuiltManifest {
  const { bytes, expires } = encodeManifest(m);
  return { bytes, hash: createHash('sha256').update(bytes).digest(), expires: expires * 1000 };
}
