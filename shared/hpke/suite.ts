/**
 * RFC 9180 5.1: a cipher suite (KEM, KDF, AEAD) over one primitives backend, in base mode
 * (mode_base = 0x00, empty psk and psk_id):
 *
 *   key_schedule_context = mode || LabeledExtract("", "psk_id_hash", psk_id)
 *                                || LabeledExtract("", "info_hash", info)
 *   secret          = LabeledExtract(shared_secret, "secret", psk)
 *   key             = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce      = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
 *   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
 *
 * The key schedule context depends only on the suite and `info`, so it is cached per info (OHTTP
 * uses one info per key configuration).
 */
import { concat, equalBytes } from '../bytes.ts';
import { decryptError } from '../errors.ts';
import { HpkeContext } from './context.ts';
import { type AeadParams, aeadParams, type KdfParams, kdfParams } from './ids.ts';
import { DhKem } from './kem.ts';
import { hpkeSuiteId, LABEL, LabeledKdf } from './labeled.ts';
import type { AeadKey, DhKeyPair, Primitives } from './primitives.ts';
import { run, type Steps } from './steps.ts';

const EMPTY = new Uint8Array(0);
const MODE_BASE = new Uint8Array([0x00]);
const CACHE_LIMIT = 32;

export interface SenderSetup {
  enc: Uint8Array;
  context: HpkeContext;
}

export class CipherSuite {
  readonly kem: DhKem;
  readonly kdf: KdfParams;
  readonly aead: AeadParams;
  readonly #labeled: LabeledKdf;
  readonly #ksc: { info: Uint8Array; ksc: Uint8Array }[] = [];

  /** Throws ERR_UNSUPPORTED for an id this library does not implement. */
  constructor(
    readonly primitives: Primitives,
    kemId: number,
    kdfId: number,
    aeadId: number,
  ) {
    this.kem = new DhKem(primitives, kemId);
    this.kdf = kdfParams(kdfId);
    this.aead = aeadParams(aeadId);
    this.#labeled = new LabeledKdf(primitives, this.kdf.hash, hpkeSuiteId(kemId, kdfId, aeadId));
  }

  *#keyScheduleContext(info: Uint8Array): Steps<Uint8Array> {
    // A linear scan: a suite sees one info per key configuration, so this holds a handful of entries.
    for (const e of this.#ksc) if (equalBytes(e.info, info)) return e.ksc;
    const pskIdHash = (yield this.#labeled.extract(EMPTY, LABEL.psk_id_hash, EMPTY)) as Uint8Array;
    const infoHash = (yield this.#labeled.extract(EMPTY, LABEL.info_hash, info)) as Uint8Array;
    const ksc = concat(MODE_BASE, pskIdHash, infoHash);
    if (this.#ksc.length >= CACHE_LIMIT) this.#ksc.shift();
    this.#ksc.push({ info: info.slice(), ksc });
    return ksc;
  }

  *#keySchedule(sharedSecret: Uint8Array, info: Uint8Array): Steps<HpkeContext> {
    const ksc = yield* this.#keyScheduleContext(info);
    const l = this.#labeled;
    const secret = (yield l.extract(sharedSecret, LABEL.secret, EMPTY)) as Uint8Array;
    const key = (yield l.expand(secret, LABEL.key, ksc, this.aead.Nk)) as Uint8Array;
    const baseNonce = (yield l.expand(secret, LABEL.base_nonce, ksc, this.aead.Nn)) as Uint8Array;
    const exporterSecret = (yield l.expand(secret, LABEL.exp, ksc, this.kdf.Nh)) as Uint8Array;
    const aeadKey = (yield this.primitives.aeadKey(this.aead.id, key)) as AeadKey;
    return new HpkeContext(aeadKey, this.aead, { key, baseNonce, exporterSecret }, l);
  }

  /** RFC 9180 5.1.1 SetupBaseS. `ephemeral` (serialized skE) is for known-answer tests only. */
  *setupSenderSteps(pkR: Uint8Array, info: Uint8Array, ephemeral?: Uint8Array): Steps<SenderSetup> {
    const { sharedSecret, enc } = yield* this.kem.encapSteps(pkR, ephemeral);
    return { enc, context: yield* this.#keySchedule(sharedSecret, info) };
  }

  /** RFC 9180 5.1.1 SetupBaseR. A bad `enc` is ERR_DECRYPT. */
  *setupRecipientSteps(enc: Uint8Array, skR: DhKeyPair, info: Uint8Array): Steps<HpkeContext> {
    const sharedSecret = yield* this.kem.decapSteps(enc, skR);
    try {
      return yield* this.#keySchedule(sharedSecret, info);
    } catch (cause) {
      throw decryptError(cause);
    }
  }

  async setupSender(pkR: Uint8Array, info: Uint8Array, ephemeral?: Uint8Array): Promise<SenderSetup> {
    return run(this.setupSenderSteps(pkR, info, ephemeral));
  }

  async setupRecipient(enc: Uint8Array, skR: DhKeyPair, info: Uint8Array): Promise<HpkeContext> {
    return run(this.setupRecipientSteps(enc, skR, info));
  }
}

// One CipherSuite per (backend, ids), so that its key-schedule-context cache is shared by every request.
const suites = new WeakMap<Primitives, Map<number, CipherSuite>>();

/** The cached suite for these ids on this backend; throws ERR_UNSUPPORTED for unknown ids. */
export function getSuite(primitives: Primitives, kemId: number, kdfId: number, aeadId: number): CipherSuite {
  let byIds = suites.get(primitives);
  if (byIds === undefined) {
    byIds = new Map();
    suites.set(primitives, byIds);
  }
  const key = kemId * 2 ** 32 + kdfId * 2 ** 16 + aeadId;
  let s = byIds.get(key);
  if (s === undefined) {
    s = new CipherSuite(primitives, kemId, kdfId, aeadId);
    byIds.set(key, s);
  }
  return s;
}
