/**
 * Issuing receipts (format: shared/receipt). For each answer the gateway draws a fresh 32-byte salt,
 * commits to the exact inner request bytes and the exact response body with HMAC-SHA256 keyed by it
 * (a bare hash would let anyone confirm a guessed prompt), signs the receipt with the attested receipt
 * key, appends the signed receipt (without the salt) to the transparency log, and waits until the log
 * has synced it. Only then does the receipt, with its salt, go into the encrypted answer.
 *
 * Batches: receipts are signed and logged together, one signature and one durable write for all the
 * answers that finished while the previous write was in flight or in the same turn of the event loop
 * (shared/receipt/batch.ts, batch-sign.ts). A lone answer is signed alone and waits for nothing more
 * than before: the log's write waited for the same check phase.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { invalidArgument } from '../../shared/errors.ts';
import { MAX_BATCH_SIZE } from '../../shared/receipt/batch.ts';
import {
  bucketTokens,
  canonicalReceiptText,
  coarseTime,
  type Receipt,
  SALT_SIZE,
  type SamplingValue,
  SIGNING_PREFIX_TEXT,
} from '../../shared/receipt/receipt.ts';
import { signBatch } from './batch-sign.ts';
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

/** A receipt waiting for its batch: everything but its log index, which the batch hands out. */
interface Pending {
  readonly receipt: Omit<Receipt, 'logIndex'>;
  readonly salt: string;
  readonly resolve: (field: string) => void;
  readonly reject: (e: unknown) => void;
}

export class ReceiptIssuer {
  /** Fresh random bytes, handed out 32 at a time and never twice; a new block on each refill. */
  private salts = Buffer.alloc(0);
  private saltsUsed = 0;
  private pending: Pending[] = [];
  private running = false;
  /** Signatures made since start: receipts per signature is the batching factor (bench/trust). */
  signatures = 0;

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
   * `receiptLogEntry`, `encodeReceiptField`, batch.ts), built here with one UTF-8 encoding and Node's
   * native base64url because this runs once per answer; test/trust/receipts.test.ts checks them byte
   * for byte.
   */
  async issue(draft: ReceiptDraft, facts: Omit<AnswerFacts, 'request' | 'response'>): Promise<string> {
    const { kid, measurement } = this.opts;
    const receipt: Omit<Receipt, 'logIndex'> = {
      v: 1,
      kid,
      time: coarseTime((this.opts.now ?? Date.now)()),
      model: facts.model,
      measurement,
      request: draft.request.digest(),
      response: draft.response.digest(),
      sampling: facts.sampling,
      seed: facts.seed,
      usage: { prompt: bucketTokens(facts.usage.prompt), completion: bucketTokens(facts.usage.completion) },
    };
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ receipt, salt: base64url(draft.salt), resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /**
   * One batch at a time: wait for the check phase (answers finishing in this turn join), sign and
   * append everything pending, wait until it is durable, and go again for what arrived meanwhile.
   */
  private async run(): Promise<void> {
    this.running = true;
    while (this.pending.length > 0) {
      await new Promise<void>((r) => setImmediate(r));
      const batch = this.pending.splice(0, MAX_BATCH_SIZE);
      let entries: string[] = [];
      try {
        await this.opts.log.appendMany(
          (first) => {
            const inputs = batch.map((p, i) =>
              Buffer.from(SIGNING_PREFIX_TEXT + canonicalReceiptText({ ...p.receipt, logIndex: first + i })),
            );
            const signatures = signBatch(this.opts.signer, inputs);
            this.signatures++;
            // The canonical bytes are the signing input's tail (the prefix is ASCII).
            entries = inputs.map(
              (input, i) =>
                `${input.toString('base64url', SIGNING_PREFIX_TEXT.length)}.${base64url(signatures[i]!)}`,
            );
            return entries.map((e) => Buffer.from(e, 'latin1'));
          },
          { gathered: true },
        );
      } catch (e) {
        for (const p of batch) p.reject(e);
        continue;
      }
      batch.forEach((p, i) => {
        p.resolve(`${entries[i]!}.${p.salt}`);
      });
    }
    this.running = false;
  }
}
