/**
 * One entry point for every attestation provider: `verifyAttestation(evidence, policy, now)`.
 * The policy names the providers it accepts (evidence from any other is refused, so a dev key never
 * stands in for an enclave unless the caller opted in) and the bindings it expects: a fresh nonce,
 * the user data / manifest hash that commits to the gateway's keys, the public key.
 */
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { type DevPolicy, verifyDevAttestation } from './dev.ts';
import { attestationError } from './errors.ts';
import { type NitroPolicy, verifyNitroAttestation } from './nitro.ts';

export type AttestationProvider = 'aws-nitro' | 'dev';

export interface AttestationEvidence {
  readonly provider: AttestationProvider;
  /** The provider's document: a Nitro COSE_Sign1, or dev evidence (dev.ts). */
  readonly document: Uint8Array;
}

export interface AttestationPolicy {
  /** Accept AWS Nitro evidence (PCR expectations and an optional non-default root inside). */
  readonly nitro?: Omit<NitroPolicy, 'nonce' | 'userData' | 'publicKey' | 'maxAgeMs'>;
  /** Accept dev evidence signed by this explicitly trusted platform key. */
  readonly dev?: Pick<DevPolicy, 'platformPublicKey' | 'measurement'>;
  readonly nonce?: Uint8Array;
  /** Nitro user_data, or the dev manifest hash (as bytes). */
  readonly userData?: Uint8Array;
  readonly publicKey?: Uint8Array;
  readonly maxAgeMs?: number;
}

export interface AttestationResult {
  readonly provider: AttestationProvider;
  /** True for the development format: no enclave stands behind it. */
  readonly dev: boolean;
  /** Hex: PCR0 (the enclave image) for Nitro, the dev measurement otherwise. */
  readonly measurement: string;
  /** Nitro only: every PCR, hex, by index. */
  readonly pcrs?: Readonly<Record<number, string>>;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
  readonly publicKey?: Uint8Array;
  /** Milliseconds since the Unix epoch, as attested. */
  readonly timestamp: number;
  readonly warnings: readonly string[];
}

export async function verifyAttestation(
  evidence: AttestationEvidence,
  policy: AttestationPolicy,
  now: Date,
): Promise<AttestationResult> {
  const shared = { nonce: policy.nonce, publicKey: policy.publicKey, maxAgeMs: policy.maxAgeMs };
  if (evidence?.provider === 'aws-nitro' && policy.nitro) {
    const doc = await verifyNitroAttestation(
      evidence.document,
      { ...policy.nitro, ...shared, userData: policy.userData },
      now,
    );
    const pcrs: Record<number, string> = {};
    for (const [i, v] of doc.pcrs) pcrs[i] = bytesToHex(v);
    return {
      provider: 'aws-nitro',
      dev: false,
      measurement: pcrs[0] ?? '',
      pcrs,
      userData: doc.userData,
      nonce: doc.nonce,
      publicKey: doc.publicKey,
      timestamp: doc.timestamp,
      warnings: [],
    };
  }
  if (evidence?.provider === 'dev' && policy.dev) {
    const c = await verifyDevAttestation(
      evidence.document,
      { ...policy.dev, ...shared, manifestHash: policy.userData ? bytesToHex(policy.userData) : undefined },
      now,
    );
    return {
      provider: 'dev',
      dev: true,
      measurement: c.measurement,
      userData: hexToBytes(c.manifestHash),
      nonce: c.nonce,
      publicKey: c.publicKey,
      timestamp: c.timestamp,
      warnings: c.warnings,
    };
  }
  throw attestationError(
    'provider',
    `evidence from provider ${String(evidence?.provider)} is not accepted by this policy`,
  );
}
