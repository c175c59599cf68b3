/**
 * RFC 9180 4.1: DHKEM(Group, KDF), base mode only (no AuthEncap).
 *
 *   Encap(pkR):   skE, pkE = GenerateKeyPair(); dh = DH(skE, pkR); enc = pkE
 *   Decap(enc, skR): dh = DH(skR, pkE)
 *   shared_secret = ExtractAndExpand(dh, kem_context = enc || pkRm)
 *     eae_prk = LabeledExtract("", "eae_prk", dh)
 *     shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
 */
import { equalBytes } from '../bytes.ts';
import { decryptError, invalidArgument, TacitError } from '../errors.ts';
import { type KemParams, kemParams } from './ids.ts';
import { kemSuiteId, LABEL, LabeledKdf } from './labeled.ts';
import type { DhKeyPair, DhPublicKey, Primitives } from './primitives.ts';
import { type MaybePromise, run, type Steps } from './steps.ts';

const EMPTY = new Uint8Array(0);
const RECIPIENT_CACHE = 16;

export class DhKem {
  readonly params: KemParams;
  readonly #kdf: LabeledKdf;
  readonly #recipients: { bytes: Uint8Array; key: MaybePromise<DhPublicKey> }[] = [];

  constructor(
    readonly primitives: Primitives,
    kemId: number,
  ) {
    this.params = kemParams(kemId);
    this.#kdf = new LabeledKdf(primitives, this.params.hash, kemSuiteId(kemId));
  }

  /**
   * Recipient keys imported once: a client sends many requests to the same gateway key, and an
   * import costs about a third of a DH. Bounded; a key that fails to import is not kept.
   */
  #recipient(pkR: Uint8Array): MaybePromise<DhPublicKey> {
    for (const r of this.#recipients) if (equalBytes(r.bytes, pkR)) return r.key;
    // A synchronous import failure throws here and is not cached; a rejected one is dropped.
    const key = this.primitives.importPublicKey(this.params.curve, pkR.slice());
    if (this.#recipients.length >= RECIPIENT_CACHE) this.#recipients.shift();
    const entry = { bytes: pkR.slice(), key };
    if (key instanceof Promise) {
      key.catch(() => {
        const i = this.#recipients.indexOf(entry);
        if (i >= 0) this.#recipients.splice(i, 1);
      });
    }
    this.#recipients.push(entry);
    return key;
  }

  *#extractAndExpand(dh: Uint8Array, kemContext: readonly Uint8Array[]): Steps<Uint8Array> {
    const prk = (yield this.#kdf.extract(EMPTY, LABEL.eae_prk, dh)) as Uint8Array;
    return (yield this.#kdf.expand(prk, LABEL.shared_secret, kemContext, this.params.Nsecret)) as Uint8Array;
  }

  /**
   * Sender side. `ephemeral` pins skE (serialized) for known-answer tests only; production callers
   * leave it out and get a fresh key pair.
   */
  *encapSteps(pkR: Uint8Array, ephemeral?: Uint8Array): Steps<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
    const { curve, Npk } = this.params;
    if (pkR.length !== Npk) throw invalidArgument(`recipient public key must be ${Npk} bytes`);
    let dh: Uint8Array;
    let enc: Uint8Array;
    try {
      const pk = (yield this.#recipient(pkR)) as DhPublicKey;
      const e = (yield ephemeral === undefined
        ? this.primitives.generateKeyPair(curve)
        : this.primitives.importKeyPair(curve, ephemeral)) as DhKeyPair;
      enc = e.publicKey;
      dh = (yield this.primitives.dh(e, pk)) as Uint8Array;
    } catch (cause) {
      throw new TacitError('ERR_INVALID_ARGUMENT', 'invalid recipient public key', { cause });
    }
    return { sharedSecret: yield* this.#extractAndExpand(dh, [enc, pkR]), enc };
  }

  async encap(
    pkR: Uint8Array,
    ephemeral?: Uint8Array,
  ): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
    return run(this.encapSteps(pkR, ephemeral));
  }

  /** Recipient side. Any failure (bad point, small-order key) is ERR_DECRYPT, like a bad tag. */
  *decapSteps(enc: Uint8Array, skR: DhKeyPair): Steps<Uint8Array> {
    if (enc.length !== this.params.Nenc || skR.curve !== this.params.curve) throw decryptError();
    let dh: Uint8Array;
    try {
      const pkE = (yield this.primitives.importPublicKey(skR.curve, enc)) as DhPublicKey;
      dh = (yield this.primitives.dh(skR, pkE)) as Uint8Array;
    } catch (cause) {
      throw decryptError(cause);
    }
    return yield* this.#extractAndExpand(dh, [enc, skR.publicKey]);
  }

  async decap(enc: Uint8Array, skR: DhKeyPair): Promise<Uint8Array> {
    return run(this.decapSteps(enc, skR));
  }
}
