/**
 * Attestation failures: always ERR_VERIFY, with a stable `reason` so that a caller (or a test) can
 * tell an expired certificate from a bad signature without parsing messages.
 */
import { TacitError } from '../errors.ts';

export type AttestationFailure =
  /** The evidence is not a well-formed COSE_Sign1 / attestation document. */
  | 'malformed'
  /** The COSE algorithm is not the one the provider signs with. */
  | 'algorithm'
  /** The chain does not start at the pinned root. */
  | 'root'
  /** A certificate is not signed by its issuer, or is not a CA where it must be one. */
  | 'chain'
  /** A certificate is outside its validity period at the caller's clock. */
  | 'expired'
  /** The COSE signature over the document does not verify. */
  | 'signature'
  /** A Nitro enclave in debug mode (PCR0..2 all zero): its memory is readable by the host. */
  | 'debug'
  /** A measurement (PCR or dev measurement) differs from the policy's expected value. */
  | 'measurement'
  /** The caller's nonce, user data / manifest hash or public key is not the one attested. */
  | 'nonce'
  | 'user-data'
  | 'public-key'
  /** The document is older than the policy allows, or from the future. */
  | 'stale'
  /** The evidence's provider is not accepted by the policy. */
  | 'provider';

export class AttestationError extends TacitError {
  readonly reason: AttestationFailure;

  constructor(reason: AttestationFailure, detail: string, options?: { cause?: unknown }) {
    super('ERR_VERIFY', `attestation ${reason}: ${detail}`, options);
    this.reason = reason;
  }
}

export function attestationError(
  reason: AttestationFailure,
  detail: string,
  cause?: unknown,
): AttestationError {
  return new AttestationError(reason, detail, { cause });
}
