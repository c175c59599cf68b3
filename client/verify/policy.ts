/**
 * The client's trust policy: which enclave, which code, which models it accepts. Passed as
 * `createClient({ ..., trust })`. Nothing is trusted by default: a policy names its provider and
 * what that provider must attest.
 */
import type { AttestationPolicy } from '../../shared/attestation/verify.ts';

export interface TrustPolicy {
  /** Where the gateway's attestation is fetched (its `GET /attestation`). */
  attestation: string | URL;
  /** The transparency log's tlog-tiles prefix (its `/log/`); checkpoints are followed when set. */
  log?: string | URL;
  /**
   * Accepted evidence. `aws-nitro`: PCR expectations (`nitro.pcrs`, hex by index). `dev`: the
   * development platform key, which must be given explicitly; dev evidence is never a real enclave.
   */
  provider: 'aws-nitro' | 'dev';
  nitro?: AttestationPolicy['nitro'];
  devPlatformKey?: Uint8Array;
  /** Accepted measurements (Nitro PCR0 or the dev measurement), lowercase hex. Empty or absent: any. */
  measurements?: readonly string[];
  /** Accepted model digests (`sha256:<hex>`); the manifest must serve at least one. Absent: any. */
  models?: readonly string[];
  /**
   * 'strict' (default): every answer must carry a receipt that verifies, or the request fails.
   * 'report': answers without a valid receipt are returned with `receipt` rejected.
   */
  receipts?: 'strict' | 'report';
  /** Oldest attestation accepted, in ms (default 5 minutes): evidence is fresh for our nonce anyway. */
  maxAgeMs?: number;
}

/** The attestation policy for shared/attestation's verifyAttestation. */
export function attestationPolicy(
  p: TrustPolicy,
  nonce: Uint8Array,
  userData: Uint8Array,
): AttestationPolicy {
  const shared = { nonce, userData, maxAgeMs: p.maxAgeMs ?? 5 * 60_000 };
  if (p.provider === 'dev') {
    if (p.devPlatformKey?.length !== 32) {
      return { ...shared, dev: { platformPublicKey: new Uint8Array(0) } };
    }
    return { ...shared, dev: { platformPublicKey: p.devPlatformKey } };
  }
  return { ...shared, nitro: p.nitro ?? {} };
}
