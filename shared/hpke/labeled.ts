/**
 * RFC 9180 4 (and 5.1): suite identifiers and the labeled HKDF wrappers that bind every derived value
 * to the protocol version, the suite and a label.
 *
 *   LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)
 *   LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)
 */
import { concat, utf8 } from '../bytes.ts';
import type { HashName } from './ids.ts';
import type { Bytes, Primitives } from './primitives.ts';
import type { MaybePromise } from './steps.ts';

const HPKE_V1 = utf8.encode('HPKE-v1');

export function i2osp(n: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1, v = n; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

const LENGTHS = new Map<number, Uint8Array>();
function lengthPrefix(n: number): Uint8Array {
  let l = LENGTHS.get(n);
  if (l === undefined) {
    l = i2osp(n, 2);
    if (LENGTHS.size < 64) LENGTHS.set(n, l);
  }
  return l;
}

/** RFC 9180 4.1: suite_id = "KEM" || I2OSP(kem_id, 2). */
export function kemSuiteId(kem: number): Uint8Array {
  return concat(utf8.encode('KEM'), i2osp(kem, 2));
}

/** RFC 9180 5.1: suite_id = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2). */
export function hpkeSuiteId(kem: number, kdf: number, aead: number): Uint8Array {
  return concat(utf8.encode('HPKE'), i2osp(kem, 2), i2osp(kdf, 2), i2osp(aead, 2));
}

/** The labeled KDF of one suite id and hash: the prefix "HPKE-v1" || suite_id is built once. */
export class LabeledKdf {
  readonly #prefix: Uint8Array;

  constructor(
    readonly primitives: Primitives,
    readonly hash: HashName,
    suiteId: Uint8Array,
  ) {
    this.#prefix = concat(HPKE_V1, suiteId);
  }

  extract(salt: Uint8Array, label: Uint8Array, ikm: Uint8Array): MaybePromise<Uint8Array> {
    return this.primitives.extract(this.hash, salt, [this.#prefix, label, ikm]);
  }

  /** `info` may be given in parts (kem_context = enc || pkRm), read as their concatenation. */
  expand(prk: Uint8Array, label: Uint8Array, info: Bytes, length: number): MaybePromise<Uint8Array> {
    const head = [lengthPrefix(length), this.#prefix, label];
    return this.primitives.expand(
      this.hash,
      prk,
      info instanceof Uint8Array ? [...head, info] : [...head, ...info],
      length,
    );
  }
}

/** The labels used by RFC 9180, encoded once. */
export const LABEL = {
  eae_prk: utf8.encode('eae_prk'),
  shared_secret: utf8.encode('shared_secret'),
  psk_id_hash: utf8.encode('psk_id_hash'),
  info_hash: utf8.encode('info_hash'),
  secret: utf8.encode('secret'),
  key: utf8.encode('key'),
  base_nonce: utf8.encode('base_nonce'),
  exp: utf8.encode('exp'),
  sec: utf8.encode('sec'),
} as const;
