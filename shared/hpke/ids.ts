/**
 * HPKE algorithm identifiers and their sizes (RFC 9180 7.1-7.3, IANA "HPKE" registry).
 *
 * Only what tacit implements is listed; an id outside these tables is `ERR_UNSUPPORTED`.
 */
import { TacitError } from '../errors.ts';

/** RFC 9180 7.1: KEM ids. */
export const KEM = {
  P256_HKDF_SHA256: 0x0010,
  P384_HKDF_SHA384: 0x0011,
  X25519_HKDF_SHA256: 0x0020,
} as const;
export type KemId = (typeof KEM)[keyof typeof KEM];

/** RFC 9180 7.2: KDF ids. */
export const KDF = { HKDF_SHA256: 0x0001, HKDF_SHA384: 0x0002, HKDF_SHA512: 0x0003 } as const;
export type KdfId = (typeof KDF)[keyof typeof KDF];

/** RFC 9180 7.3: AEAD ids (the export-only id 0xFFFF is not offered: OHTTP needs to encrypt). */
export const AEAD = { AES_128_GCM: 0x0001, AES_256_GCM: 0x0002, CHACHA20_POLY1305: 0x0003 } as const;
export type AeadId = (typeof AEAD)[keyof typeof AEAD];

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';
export type CurveName = 'X25519' | 'P-256' | 'P-384';

export interface KemParams {
  readonly id: KemId;
  readonly curve: CurveName;
  /** The KDF used inside the KEM (ExtractAndExpand, RFC 9180 4.1). */
  readonly hash: HashName;
  readonly Nsecret: number;
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
}

export interface KdfParams {
  readonly id: KdfId;
  readonly hash: HashName;
  readonly Nh: number;
}

export interface AeadParams {
  readonly id: AeadId;
  readonly Nk: number;
  readonly Nn: number;
  readonly Nt: number;
}

const KEMS: Record<number, KemParams> = {
  [KEM.X25519_HKDF_SHA256]: {
    id: KEM.X25519_HKDF_SHA256,
    curve: 'X25519',
    hash: 'SHA-256',
    Nsecret: 32,
    Nenc: 32,
    Npk: 32,
    Nsk: 32,
  },
  // Uncompressed SEC1 points (RFC 9180 7.1.1: SerializePublicKey) and big-endian scalars.
  [KEM.P256_HKDF_SHA256]: {
    id: KEM.P256_HKDF_SHA256,
    curve: 'P-256',
    hash: 'SHA-256',
    Nsecret: 32,
    Nenc: 65,
    Npk: 65,
    Nsk: 32,
  },
  [KEM.P384_HKDF_SHA384]: {
    id: KEM.P384_HKDF_SHA384,
    curve: 'P-384',
    hash: 'SHA-384',
    Nsecret: 48,
    Nenc: 97,
    Npk: 97,
    Nsk: 48,
  },
};

const KDFS: Record<number, KdfParams> = {
  [KDF.HKDF_SHA256]: { id: KDF.HKDF_SHA256, hash: 'SHA-256', Nh: 32 },
  [KDF.HKDF_SHA384]: { id: KDF.HKDF_SHA384, hash: 'SHA-384', Nh: 48 },
  [KDF.HKDF_SHA512]: { id: KDF.HKDF_SHA512, hash: 'SHA-512', Nh: 64 },
};

const AEADS: Record<number, AeadParams> = {
  [AEAD.AES_128_GCM]: { id: AEAD.AES_128_GCM, Nk: 16, Nn: 12, Nt: 16 },
  [AEAD.AES_256_GCM]: { id: AEAD.AES_256_GCM, Nk: 32, Nn: 12, Nt: 16 },
  [AEAD.CHACHA20_POLY1305]: { id: AEAD.CHACHA20_POLY1305, Nk: 32, Nn: 12, Nt: 16 },
};

export const HASH_LENGTH: Record<HashName, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export function isKemId(id: number): id is KemId {
  return Object.hasOwn(KEMS, id);
}
export function isKdfId(id: number): id is KdfId {
  return Object.hasOwn(KDFS, id);
}
export function isAeadId(id: number): id is AeadId {
  return Object.hasOwn(AEADS, id);
}

function unsupported(kind: string, id: number): TacitError {
  return new TacitError('ERR_UNSUPPORTED', `unsupported ${kind} 0x${id.toString(16).padStart(4, '0')}`);
}

export function kemParams(id: number): KemParams {
  const p = KEMS[id];
  if (p === undefined || !Object.hasOwn(KEMS, id)) throw unsupported('KEM', id);
  return p;
}
export function kdfParams(id: number): KdfParams {
  const p = KDFS[id];
  if (p === undefined || !Object.hasOwn(KDFS, id)) throw unsupported('KDF', id);
  return p;
}
export function aeadParams(id: number): AeadParams {
  const p = AEADS[id];
  if (p === undefined || !Object.hasOwn(AEADS, id)) throw unsupported('AEAD', id);
  return p;
}

/** Every KEM, KDF and AEAD implemented here, for tests and key generation defaults. */
export const ALL_KEMS: readonly KemId[] = [
  KEM.X25519_HKDF_SHA256,
  KEM.P256_HKDF_SHA256,
  KEM.P384_HKDF_SHA384,
];
export const ALL_KDFS: readonly KdfId[] = [KDF.HKDF_SHA256, KDF.HKDF_SHA384, KDF.HKDF_SHA512];
export const ALL_AEADS: readonly AeadId[] = [AEAD.AES_128_GCM, AEAD.AES_256_GCM, AEAD.CHACHA20_POLY1305];
