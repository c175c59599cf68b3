/**
 * RFC 9180 5.2-5.3: an HPKE encryption context. Each seal/open uses
 * nonce = base_nonce XOR I2OSP(seq, Nn) and then increments seq; the exporter is
 * Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L).
 *
 * A context is single-direction: the sender seals, the recipient opens, in the same order.
 */
import { decryptError, TacitError } from '../errors.ts';
import type { AeadParams } from './ids.ts';
import { LABEL, type LabeledKdf } from './labeled.ts';
import type { AeadKey } from './primitives.ts';
import { run, type Steps } from './steps.ts';

/** XORs a counter into the low-order bytes of a copy of `base` (RFC 9180 5.2 ComputeNonce). */
export function xorCounter(base: Uint8Array, seq: number): Uint8Array {
  const nonce = base.slice();
  for (let i = nonce.length - 1, v = seq; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) {
    nonce[i]! ^= v % 256;
  }
  return nonce;
}

export interface KeyScheduleOutput {
  key: Uint8Array;
  baseNonce: Uint8Array;
  exporterSecret: Uint8Array;
}

export class HpkeContext {
  #seq = 0;
  readonly #aead: AeadKey;
  readonly #baseNonce: Uint8Array;
  readonly #exporterSecret: Uint8Array;
  readonly #kdf: LabeledKdf;

  constructor(aead: AeadKey, params: AeadParams, ks: KeyScheduleOutput, kdf: LabeledKdf) {
    if (ks.baseNonce.length !== params.Nn) throw new RangeError('bad base nonce length');
    this.#aead = aead;
    this.#baseNonce = ks.baseNonce;
    this.#exporterSecret = ks.exporterSecret;
    this.#kdf = kdf;
  }

  /** The sequence number the next seal/open will use. */
  get seq(): number {
    return this.#seq;
  }

  #nextNonce(): Uint8Array {
    // RFC 9180 5.2: the sequence number must not wrap. 2^53 messages is unreachable in practice.
    if (this.#seq >= Number.MAX_SAFE_INTEGER)
      throw new TacitError('ERR_TOO_LARGE', 'HPKE message limit reached');
    return xorCounter(this.#baseNonce, this.#seq++);
  }

  /** Seal, as a step (a value on a synchronous backend). */
  *sealSteps(aad: Uint8Array, plaintext: Uint8Array): Steps<Uint8Array> {
    return (yield this.#aead.seal(this.#nextNonce(), aad, plaintext)) as Uint8Array;
  }

  /** Open, as a step. Any failure is ERR_DECRYPT; the sequence number advances only on success. */
  *openSteps(aad: Uint8Array, ciphertext: Uint8Array): Steps<Uint8Array> {
    const nonce = xorCounter(this.#baseNonce, this.#seq);
    let pt: Uint8Array;
    try {
      pt = (yield this.#aead.open(nonce, aad, ciphertext)) as Uint8Array;
    } catch (cause) {
      throw decryptError(cause);
    }
    this.#seq++;
    return pt;
  }

  /** RFC 9180 5.3: secret export, `length` <= 255 * Nh. */
  *exportSteps(exporterContext: Uint8Array, length: number): Steps<Uint8Array> {
    return (yield this.#kdf.expand(this.#exporterSecret, LABEL.sec, exporterContext, length)) as Uint8Array;
  }

  async seal(aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    return run(this.sealSteps(aad, plaintext));
  }

  async open(aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    return run(this.openSteps(aad, ciphertext));
  }

  async export(exporterContext: Uint8Array, length: number): Promise<Uint8Array> {
    return run(this.exportSteps(exporterContext, length));
  }
}
