/**
 * The development attestation format: what a gateway outside any enclave presents, so the whole
 * verification path runs on a laptop. It proves nothing about isolation: it is a statement signed by a
 * "development platform key" that the operator holds. A verifier accepts it only when the caller passes
 * that key explicitly, and every result carries `dev: true` and DEV_WARNING.
 *
 * Shape: COSE_Sign1 (RFC 9052 4.2) like Nitro's, alg EdDSA (-8, Ed25519), payload a CBOR map
 *   { provider: "dev", measurement: hex SHA-256, manifestHash: hex SHA-256, nonce: bstr,
 *     timestamp: uint ms, ? publicKey: bstr }
 */
import { encode } from 'cborg';
import { equalBytes } from '../bytes.ts';
import { invalidArgument } from '../errors.ts';
import { bufferSource } from '../merkle/hash.ts';
import { ed25519Verify, importEd25519PublicKey } from '../note/keys.ts';
import {
  COSE_ALG_EDDSA,
  decodeCoseSign1,
  decodeStrictCbor,
  encodeCoseSign1,
  encodeProtectedHeader,
  sigStructure,
} from './cose.ts';
import { attestationError } from './errors.ts';

export const DEV_WARNING = 'development attestation: not a real enclave; trust rests on a local platform key';

export interface DevClaims {
  /** Hex SHA-256 of what runs (the gateway build, model and config): the dev stand-in for PCRs. */
  readonly measurement: string;
  /** Hex SHA-256 of the manifest that binds the gateway's keys: the dev stand-in for user_data. */
  readonly manifestHash: string;
  readonly nonce: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly publicKey?: Uint8Array;
}

export interface DevPolicy {
  /** The trusted development platform key (32-byte Ed25519). Required: no key, no trust. */
  readonly platformPublicKey: Uint8Array;
  readonly measurement?: string;
  readonly manifestHash?: string;
  readonly nonce?: Uint8Array;
  readonly publicKey?: Uint8Array;
  readonly maxAgeMs?: number;
}

const HEX32 = /^[0-9a-f]{64}$/;
const FUTURE_SKEW_MS = 5 * 60_000;

/** Signs dev evidence with the development platform key (an Ed25519 CryptoKey with 'sign'). */
export async function createDevEvidence(claims: DevClaims, platformKey: CryptoKey): Promise<Uint8Array> {
  if (!HEX32.test(claims.measurement) || !HEX32.test(claims.manifestHash)) {
    throw invalidArgument('measurement and manifestHash must be lowercase hex SHA-256');
  }
  if (!Number.isSafeInteger(claims.timestamp) || claims.timestamp <= 0)
    throw invalidArgument('bad timestamp');
  const map: Record<string, unknown> = {
    provider: 'dev',
    measurement: claims.measurement,
    manifestHash: claims.manifestHash,
    nonce: claims.nonce,
    timestamp: claims.timestamp,
  };
  if (claims.publicKey) map.publicKey = claims.publicKey;
  const payload = encode(map);
  const protectedBytes = encodeProtectedHeader(COSE_ALG_EDDSA);
  const sig = await crypto.subtle.sign(
    'Ed25519',
    platformKey,
    bufferSource(sigStructure(protectedBytes, payload)),
  );
  return encodeCoseSign1(protectedBytes, payload, new Uint8Array(sig));
}

function decodeClaims(payload: Uint8Array): DevClaims {
  const m = decodeStrictCbor(payload, 'dev attestation');
  if (!(m instanceof Map)) throw attestationError('malformed', 'dev attestation must be a map');
  const known = new Set(['provider', 'measurement', 'manifestHash', 'nonce', 'timestamp', 'publicKey']);
  for (const k of m.keys())
    if (typeof k !== 'string' || !known.has(k)) throw attestationError('malformed', 'unknown field');
  const [provider, measurement, manifestHash, nonce, timestamp, publicKey] = [...known].map((k) => m.get(k));
  if (provider !== 'dev') throw attestationError('provider', 'not a dev attestation');
  if (typeof measurement !== 'string' || !HEX32.test(measurement))
    throw attestationError('malformed', 'bad measurement');
  if (typeof manifestHash !== 'string' || !HEX32.test(manifestHash))
    throw attestationError('malformed', 'bad manifestHash');
  if (!(nonce instanceof Uint8Array) || nonce.length > 512) throw attestationError('malformed', 'bad nonce');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0) {
    throw attestationError('malformed', 'bad timestamp');
  }
  if (publicKey !== undefined && !(publicKey instanceof Uint8Array))
    throw attestationError('malformed', 'bad publicKey');
  return { measurement, manifestHash, nonce, timestamp, ...(publicKey ? { publicKey } : {}) };
}

/** Verifies dev evidence against the explicitly trusted platform key. Throws AttestationError. */
export async function verifyDevAttestation(
  evidence: Uint8Array,
  policy: DevPolicy,
  now: Date,
): Promise<DevClaims & { dev: true; warnings: string[] }> {
  if (policy?.platformPublicKey?.length !== 32) {
    throw invalidArgument('a trusted dev platform public key (32 bytes) is required');
  }
  const cose = decodeCoseSign1(evidence);
  if (cose.alg !== COSE_ALG_EDDSA) throw attestationError('algorithm', `COSE alg ${cose.alg} is not EdDSA`);
  const key = await importEd25519PublicKey(policy.platformPublicKey);
  if (!(await ed25519Verify(key, sigStructure(cose.protectedBytes, cose.payload), cose.signature))) {
    throw attestationError('signature', 'dev attestation signature does not verify');
  }
  const c = decodeClaims(cose.payload);
  if (policy.measurement !== undefined && policy.measurement.toLowerCase() !== c.measurement) {
    throw attestationError('measurement', `measurement is ${c.measurement}`);
  }
  if (policy.manifestHash !== undefined && policy.manifestHash.toLowerCase() !== c.manifestHash) {
    throw attestationError('user-data', 'manifestHash does not match');
  }
  if (policy.nonce !== undefined && !equalBytes(policy.nonce, c.nonce))
    throw attestationError('nonce', 'nonce does not match');
  if (policy.publicKey !== undefined && !(c.publicKey && equalBytes(policy.publicKey, c.publicKey))) {
    throw attestationError('public-key', 'publicKey does not match');
  }
  const t = now.getTime();
  if (c.timestamp > t + FUTURE_SKEW_MS) throw attestationError('stale', 'document is from the future');
  if (policy.maxAgeMs !== undefined && t - c.timestamp > policy.maxAgeMs)
    throw attestationError('stale', 'document is too old');
  return { ...c, dev: true, warnings: [DEV_WARNING] };
}
