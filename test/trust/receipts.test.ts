/**
 * The gateway's receipt issuer builds the wire forms itself (one UTF-8 encoding, Node's base64url) for
 * speed; these properties hold it to shared/receipt byte for byte: the field, the log entry, the
 * canonical bytes and the signature input, for any sampling values (non-ASCII strings included), and
 * its batch signatures to the reference built from shared/merkle (test/support/receipt-batch.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBatch } from '../../gateway/trust/batch-sign.ts';
import { ed25519Signer } from '../../gateway/trust/keys.ts';
import { TransparencyLog } from '../../gateway/trust/log/log.ts';
import { leafHashSync } from '../../gateway/trust/log/tree.ts';
import { ReceiptIssuer } from '../../gateway/trust/receipts.ts';
import { bytesToHex } from '../../shared/bytes.ts';
import { ed25519PublicKeyOfSeed, generateNoteKey, parseSignerKey } from '../../shared/note/keys.ts';
import {
  decodeReceiptField,
  encodeReceiptField,
  receiptLogEntry,
  verifyReceipt,
} from '../../shared/receipt/field.ts';
import {
  canonicalReceipt,
  commit,
  receiptKeyId,
  SALT_SIZE,
  type SamplingValue,
  signingInput,
} from '../../shared/receipt/receipt.ts';
import { signBatchHere } from '../support/receipt-batch.ts';
import { fcParams } from '../support/seed.ts';

const dir = mkdtempSync(join(tmpdir(), 'tacit-receipts-'));
const seed = new Uint8Array(32).fill(0x42);
let publicKey: Uint8Array;
let log: TransparencyLog;
let issuer: ReceiptIssuer;
/** Counts the issuer's Ed25519 operations. */
let signatures = 0;

beforeAll(async () => {
  publicKey = await ed25519PublicKeyOfSeed(seed);
  const key = await generateNoteKey('tacit.test/receipts', new Uint8Array(32).fill(9));
  log = await TransparencyLog.open({
    path: join(dir, 'log'),
    origin: 'tacit.test/receipts',
    signer: await parseSignerKey(key.signerKey),
  });
  issuer = new ReceiptIssuer({
    signer: {
      publicKey,
      sign: (m) => {
        signatures++;
        return ed25519Signer(seed, publicKey).sign(m);
      },
    },
    kid: await receiptKeyId(publicKey),
    measurement: 'ab'.repeat(32),
    log,
  });
});
afterAll(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const samplingValue: fc.Arbitrary<SamplingValue> = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  // Any code point, astral ones included; a lone surrogate (\p{Cs} under /u) is not JSON.
  fc.string({ unit: 'binary' }).filter((s) => !/\p{Cs}/u.test(s)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

describe('receipt issuer', () => {
  it('issues exactly the field, log entry and signature that shared/receipt defines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), samplingValue, { maxKeys: 6 }),
        fc.option(fc.integer({ min: 0, max: 2 ** 47 }), { nil: null }),
        fc.nat(100_000),
        fc.nat(100_000),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        async (sampling, samplerSeed, prompt, completion, request, response) => {
          const draft = issuer.draft();
          draft.request.update(request);
          draft.response.update(response);
          const field = await issuer.issue(draft, {
            model: `sha256:${'cd'.repeat(32)}`,
            sampling,
            seed: samplerSeed,
            usage: { prompt, completion },
          });
          const signed = decodeReceiptField(field);
          const r = signed.receipt;
          expect(r.sampling).toEqual(sampling);
          expect(bytesToHex(signed.canonical)).toBe(bytesToHex(canonicalReceipt(r)));
          expect(field).toBe(encodeReceiptField(signed.canonical, signed.signature, draft.salt));
          expect(r.request).toBe(await commit(draft.salt, 'request', request));
          expect(r.response).toBe(await commit(draft.salt, 'response', response));
          await verifyReceipt(field, { publicKey, request, response });
          // The log holds the field without its salt, at the index the receipt names.
          const entry = receiptLogEntry(signed.canonical, signed.signature);
          expect(bytesToHex(log.leafHash(r.logIndex))).toBe(bytesToHex(leafHashSync(entry)));
        },
      ),
      fcParams(60),
    );
  });

  it('gives every draft its own salt', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { salt } = issuer.draft();
      expect(salt.length).toBe(SALT_SIZE);
      seen.add(bytesToHex(salt));
    }
    expect(seen.size).toBe(1000);
  });

  it('signs the answers that finish together with one signature, each receipt verifiable on its own', async () => {
    const before = { signatures, size: log.size };
    const n = 40;
    const requests = Array.from({ length: n }, (_, i) => new Uint8Array([i, 1, 2]));
    const fields = await Promise.all(
      requests.map((request) => {
        const draft = issuer.draft();
        draft.request.update(request);
        draft.response.update(request);
        return issuer.issue(draft, {
          model: `sha256:${'cd'.repeat(32)}`,
          sampling: {},
          seed: null,
          usage: { prompt: 1, completion: 1 },
        });
      }),
    );
    // All 40 were issued in one turn of the event loop: one batch, one signature, one log write.
    expect(signatures - before.signatures).toBe(1);
    expect(log.size).toBe(before.size + n);
    const indices = new Set<number>();
    for (const [i, field] of fields.entries()) {
      const signed = decodeReceiptField(field);
      expect(signed.signature.length).toBeGreaterThan(64);
      await verifyReceipt(field, { publicKey, request: requests[i]!, response: requests[i]! });
      const entry = receiptLogEntry(signed.canonical, signed.signature);
      expect(bytesToHex(log.leafHash(signed.receipt.logIndex))).toBe(bytesToHex(leafHashSync(entry)));
      indices.add(signed.receipt.logIndex);
    }
    expect(indices.size).toBe(n);
  });

  it('writes batch signatures byte for byte as the reference does, and a batch of one alone', async () => {
    const signer = ed25519Signer(seed, publicKey);
    for (const n of [1, 2, 3, 5, 8, 13, 33]) {
      const inputs = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`{"n":${n},"i":${i}}`));
      const got = signBatch(signer, inputs.map(signingInput));
      const want = await signBatchHere(seed, inputs);
      expect(got.map(bytesToHex)).toEqual(want.map(bytesToHex));
    }
  });
});
