/**
 * Attestation providers: what the gateway calls to obtain evidence that binds its key manifest to
 * the code that runs. One interface, two providers:
 *
 * - `dev`: no hardware. A simulated measurement over the running code and model files, signed by a
 *   development platform key that every verifier must trust explicitly (shared/attestation/dev.ts).
 *   Every output carries DEV_WARNING: it is not a real enclave.
 * - `aws-nitro`: the Nitro Secure Module (/dev/nsm) inside an AWS Nitro Enclave (nitro.ts).
 *
 * Verification lives in shared/attestation (the client and `tacit verify` use it).
 */

export type ProviderName = 'dev' | 'aws-nitro';

export interface AttestationRequest {
  /** The verifier's fresh nonce (at most 512 bytes, Nitro's limit). */
  readonly nonce: Uint8Array;
  /** SHA-256 of the key manifest: Nitro `user_data`, the dev format's `manifestHash`. */
  readonly userData: Uint8Array;
}

export interface Attester {
  readonly provider: ProviderName;
  /** Hex: Nitro PCR0 (the enclave image), or the dev measurement. Receipts name it. */
  readonly measurement: string;
  /** A line every output must show, when this is not real isolation. */
  readonly warning?: string;
  /** Fresh evidence for one request: a COSE_Sign1 document in the provider's format. */
  attest(req: AttestationRequest): Promise<Uint8Array>;
  close?(): Promise<void>;
}
