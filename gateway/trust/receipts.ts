/**
 * Issuing receipts (format: shared/receipt). For each answer the gateway draws a fresh 32-byte salt,
 * commits to the exact inner request bytes and the exact response body with HMAC-SHA256 keyed by it
 * (a bare hash would let anyone confirm a guessed prompt), signs the receipt with the attested receipt
 * key, appends the signed receipt (without the salt) to the transparency log, and waits until the log
 * has synced it. Only then does the receipt, with its salt, go into the encrypted answer.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { invalidArgument } from '../../shared/errors.ts';
import {
  bucketTokens,
  canonicalReceiptText,
  coarseTime,
  type Receipt,
  SALT_SIZE,
  type SamplingValue,
  SIGNING_PREFIX_TEXT,
} from '../../shared/receipt/receipt.ts';
import type { Ed25519Signer } from './keys.ts';
import type { TransparencyLog } from './log/log.ts';

/** Salts drawn per randomBytes call: one call costs about as much as hashing a kilobyte. */
const SALTS_PER_DRAW = 64;

function base64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
}

/**
 * An incremental commitment, byte-identical to shared/receipt `commit`:
 * base64url(HMAC-SHA256(salt, label || 0x0A || bytes)). Streams feed it chunk by chunk.
 */
export class Commitment {
  private readonly mac;

  constructor(salt: Uint8Array, label: 'request' | 'response') {
    if (salt.length !== SALT_SIZE) throw invalidArgument('receipt salt must be 32 bytes');
    this.mac = createHmac('sha256', salt).update(`${label}\n`);
  }

  update(bytes: Uint8Array): this {
    this.mac.update(bytes);
    return this;
  }

  digest(): string {
    return this.mac.digest('base64url');
  }
}

/** What the gateway knows about one answer once its body is complete. */
export interface AnswerFacts {
  /** Commitments made with this receipt's salt (see `ReceiptDraft`). */
  request: string;
  response: string;
  /** `sha256:<hex>` of the model that answered. */
  model: string;
  sampling: Readonly<Record<string, SamplingValue>>;
  seed: number | null;
  /** Exact token counts; bucketed here. */
  usage: { prompt: number; completion: number };
}

/** One receipt in the making: its salt and the two commitments, fed as the bytes go by. */
export interface ReceiptDraft {
  readonly salt: Uint8Array;
  readonly request: Commitment;
  readonly response: Commitment;
}

export interface ReceiptIssuerOptions {
  signer: Ed25519Signer;
  /** Receipt key id (shared/receipt receiptKeyId of the signer's public key). */
  kid: string;
  /** Hex measurement of what runs (Nitro PCR0, or the dev measurement). */
  measurement: string;
  log: TransparencyLog;
  now?: () => number;
}

export class ReceiptIssuer {
  /** Fresh random bytes, handed out 32 at a time and never twice; a new block on each refill. */
  private salts = Buffer.alloc(0);
  private saltsUsed = 0;

  constructor(private readonly opts: ReceiptIssuerOptions) {}

  draft(): ReceiptDraft {
    if (this.saltsUsed + SALT_SIZE > this.salts.length) {
      this.salts = randomBytes(SALT_SIZE * SALTS_PER_DRAW);
      this.saltsUsed = 0;
    }
    const salt = this.salts.subarray(this.saltsUsed, this.saltsUsed + SALT_SIZE);
    this.saltsUsed += SALT_SIZE;
    return { salt, request: new Commitment(salt, 'request'), response: new Commitment(salt, 'response') };
  }

  /**
   * Signs and logs the receipt; resolves with the field value (salt included) once the log entry is
   * durable. Rejects if the log cannot store it: then the answer must not be sent as verified.
   *
   * The wire forms are those of shared/receipt (`canonicalReceipt`, `signingInput`,
   * `receiptLogEntry`, `encodeReceiptField`), built here with one UTF-8 encoding and Node's native
   * base64url because this runs once per answer; test/trust/receipts.test.ts checks them byte for byte.
   */
  async issue(draft: ReceiptDraft, facts: Omit<AnswerFacts, 'request' | 'response'>): Promise<string> {
    const { signer, kid, measurement, log } = this.opts;
    const time = coarseTime((this.opts.now ?? Date.now)());
    const request = draft.request.digest();
    const response = draft.response.digest();
    let entry = '';
    await log.append((logIndex) => {
      const r: Receipt = {
        v: 1,
        kid,
        logIndex,
        time,
        model: facts.model,
        measurement,
        request,
        response,
        sampling: facts.sampling,
        seed: facts.seed,
        usage: {
          prompt: bucketTokens(facts.usage.prompt),
          completion: bucketTokens(facts.usage.completion),
        },
      };
      // The signing input is the prefix then the canonical bytes: encode once, sign it whole,
      // and take the canonical bytes as its tail (the prefix is ASCII).
      const input = Buffer.from(SIGNING_PREFIX_TEXT + canonicalReceiptText(r));
      const signature = signer.sign(input);
      entry = `${input.toString('base64url', SIGNING_PREFIX_TEXT.length)}.${base64url(signature)}`;
      return Buffer.from(entry, 'latin1');
    });
    return `${entry}.${base64url(draft.salt)}`;
  }
}
