/**
 * OHTTP key configurations (RFC 9458 3.1) and the `application/ohttp-keys` list (RFC 9458 3.2).
 *
 *   HPKE Symmetric Algorithms { HPKE KDF ID (16), HPKE AEAD ID (16) }
 *   Key Config {
 *     Key Identifier (8),
 *     HPKE KEM ID (16),
 *     HPKE Public Key (Npk * 8),
 *     HPKE Symmetric Algorithms Length (16) = 4..65532,
 *     HPKE Symmetric Algorithms (32) = 4..65532,
 *   }
 *   application/ohttp-keys = 1*( Length (16), Key Config (Length * 8) )
 *
 * Decoders are strict: every length must be exact and nothing may trail. A single config whose KEM is
 * unknown cannot be parsed (Npk is unknown) and is ERR_UNSUPPORTED; in the list form each config is
 * length-prefixed, so configs with an unknown KEM are skipped and the supported rest returned (a
 * client can still use a gateway that also offers newer KEMs). KDF and AEAD ids are kept as numbers,
 * known or not; the client picks a suite it supports (`chooseSuite`).
 */
import { invalidArgument, malformed, TacitError, truncated } from '../errors.ts';
import { isAeadId, isKdfId, isKemId, type KemId, kemParams } from '../hpke/ids.ts';

export interface SymmetricSuite {
  readonly kdfId: number;
  readonly aeadId: number;
}

export interface KeyConfig {
  /** 0..255 */
  readonly keyId: number;
  readonly kemId: KemId;
  /** SerializePublicKey output, Npk bytes. */
  readonly publicKey: Uint8Array;
  /** At least one; order is the gateway's preference. */
  readonly suites: readonly SymmetricSuite[];
}

const MAX_SUITES = 65532 / 4;

function checkConfig(c: KeyConfig): void {
  if (!Number.isInteger(c.keyId) || c.keyId < 0 || c.keyId > 255)
    throw invalidArgument('keyId must be 0..255');
  const { Npk } = kemParams(c.kemId);
  if (!(c.publicKey instanceof Uint8Array) || c.publicKey.length !== Npk) {
    throw invalidArgument(`public key must be ${Npk} bytes`);
  }
  if (c.suites.length === 0 || c.suites.length > MAX_SUITES)
    throw invalidArgument('1..16383 suites required');
  for (const s of c.suites) {
    for (const id of [s.kdfId, s.aeadId]) {
      if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw invalidArgument('suite ids must be 16-bit');
    }
  }
}

/** RFC 9458 3.1: one key configuration. */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  checkConfig(config);
  const pk = config.publicKey;
  const out = new Uint8Array(1 + 2 + pk.length + 2 + 4 * config.suites.length);
  const v = new DataView(out.buffer);
  out[0] = config.keyId;
  v.setUint16(1, config.kemId);
  out.set(pk, 3);
  let o = 3 + pk.length;
  v.setUint16(o, 4 * config.suites.length);
  o += 2;
  for (const s of config.suites) {
    v.setUint16(o, s.kdfId);
    v.setUint16(o + 2, s.aeadId);
    o += 4;
  }
  return out;
}

/** RFC 9458 3.1: decodes exactly one key configuration (no trailing bytes). */
export function decodeKeyConfig(bytes: Uint8Array): KeyConfig {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('key config must be a Uint8Array');
  if (bytes.length < 3) throw truncated('key config');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyId = bytes[0]!;
  const kemId = v.getUint16(1);
  if (!isKemId(kemId)) throw new TacitError('ERR_UNSUPPORTED', `unsupported KEM 0x${kemId.toString(16)}`);
  const { Npk } = kemParams(kemId);
  let o = 3;
  if (bytes.length < o + Npk + 2) throw truncated('key config');
  const publicKey = bytes.slice(o, o + Npk);
  o += Npk;
  const symLen = v.getUint16(o);
  o += 2;
  if (symLen < 4 || symLen % 4 !== 0) throw malformed('key config symmetric algorithms length');
  if (bytes.length < o + symLen) throw truncated('key config');
  if (bytes.length > o + symLen) throw malformed('key config (trailing bytes)');
  const suites: SymmetricSuite[] = [];
  for (; o < bytes.length; o += 4) suites.push({ kdfId: v.getUint16(o), aeadId: v.getUint16(o + 2) });
  return { keyId, kemId, publicKey, suites };
}

/** RFC 9458 3.2: the `application/ohttp-keys` body, each config with a 2-byte length prefix. */
export function encodeKeyConfigList(configs: readonly KeyConfig[]): Uint8Array {
  if (configs.length === 0) throw invalidArgument('at least one key config required');
  const parts = configs.map(encodeKeyConfig);
  const out = new Uint8Array(parts.reduce((n, p) => n + 2 + p.length, 0));
  let o = 0;
  for (const p of parts) {
    if (p.length > 0xffff) throw invalidArgument('key config too long');
    out[o] = p.length >> 8;
    out[o + 1] = p.length & 0xff;
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  return out;
}

/**
 * RFC 9458 3.2: decodes an `application/ohttp-keys` body. Framing errors throw; configs with an
 * unknown KEM are skipped (see the file comment). An empty body is malformed.
 */
export function decodeKeyConfigList(bytes: Uint8Array): KeyConfig[] {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('key config list must be a Uint8Array');
  if (bytes.length === 0) throw truncated('key config list');
  const out: KeyConfig[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (o + 2 > bytes.length) throw truncated('key config list');
    const len = (bytes[o]! << 8) | bytes[o + 1]!;
    o += 2;
    if (o + len > bytes.length) throw truncated('key config list');
    const one = bytes.subarray(o, o + len);
    o += len;
    try {
      out.push(decodeKeyConfig(one));
    } catch (e) {
      if (e instanceof TacitError && e.code === 'ERR_UNSUPPORTED') continue;
      throw e instanceof TacitError && e.code === 'ERR_TRUNCATED' ? malformed('key config in list') : e;
    }
  }
  return out;
}

/** The first suite of `config` (in the gateway's order) that this library implements, if any. */
export function chooseSuite(config: KeyConfig): SymmetricSuite | undefined {
  return config.suites.find((s) => isKdfId(s.kdfId) && isAeadId(s.aeadId));
}
