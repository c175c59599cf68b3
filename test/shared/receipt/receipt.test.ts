/** Signed receipts: canonical bytes, commitments, the wire field, the log entry, and tampering. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { ed25519PublicKeyOfSeed, importEd25519Seed } from '../../../shared/note/keys.ts';
import {
  decodeReceiptField,
  encodeReceiptField,
  receiptLogEntry,
  verifyReceipt,
} from '../../../shared/receipt/field.ts';
import { canonicalize, type JsonValue } from '../../../shared/receipt/jcs.ts';
import { parseReceipt } from '../../../shared/receipt/parse.ts';
import {
  bucketTokens,
  canonicalReceipt,
  canonicalReceiptText,
  coarseTime,
  commit,
  type Receipt,
  receiptKeyId,
  signReceipt,
} from '../../../shared/receipt/receipt.ts';
import { rejectionCode } from '../../support/errors.ts';
import { fcParams } from '../../support/seed.ts';

const seed = new Uint8Array(32).fill(0x11);
const salt = new Uint8Array(32).fill(0x5a);
const request = utf8.encode('POST /v1/chat/completions {"messages":[{"role":"user","content":"hi"}]}');
const response = utf8.encode('{"choices":[{"message":{"content":"hello"}}]}');

async function fixture() {
  const publicKey = await ed25519PublicKeyOfSeed(seed);
  const receipt: Receipt = {
    v: 1,
    kid: await receiptKeyId(publicKey),
    logIndex: 41,
    time: coarseTime(Date.UTC(2025, 5, 1, 12, 34, 56, 789)),
    model: `sha256:${'ab'.repeat(32)}`,
    measurement: 'cd'.repeat(48),
    request: await commit(salt, 'request', request),
    response: await commit(salt, 'response', response),
    sampling: { temperature: 0.7, top_p: 1, max_tokens: 256 },
    seed: 1234,
    usage: { prompt: bucketTokens(37), completion: bucketTokens(100) },
  };
  const { canonical, signature } = await signReceipt(receipt, await importEd25519Seed(seed));
  return { publicKey, receipt, canonical, signature, field: encodeReceiptField(canonical, signature, salt) };
}

describe('receipt encoding', () => {
  it('is canonical JSON with sorted keys, coarse time and bucketed usage', async () => {
    const { receipt, canonical } = await fixture();
    const text = utf8.decode(canonical);
    expect(text.startsWith('{"kid":"')).toBe(true);
    expect(text).toContain('"sampling":{"max_tokens":256,"temperature":0.7,"top_p":1}');
    expect(text).toContain('"time":1748781240');
    expect(text).toContain('"usage":{"completion":128,"prompt":64}');
    expect(text).not.toMatch(/\s/);
    expect(parseReceipt(canonical)).toEqual(receipt);
  });

  it('writes a receipt in its fixed member order exactly as the generic canonicalizer does', async () => {
    const { receipt } = await fixture();
    const text = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !/\p{Cs}/u.test(s));
    const value = fc.oneof(
      text,
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.record({
          kid: text,
          logIndex: fc.nat(),
          measurement: text,
          request: text,
          sampling: fc.dictionary(text, value, { maxKeys: 5 }),
          seed: fc.option(fc.integer(), { nil: null }),
          usage: fc.record({ prompt: fc.nat(), completion: fc.nat() }),
        }),
        // Extra members (top level or in usage) must still come out sorted.
        fc.option(fc.dictionary(text, value, { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
        fc.option(fc.dictionary(text, value, { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
        (over, extra, usageExtra) => {
          const r = { ...receipt, ...over, ...extra, usage: { ...over.usage, ...usageExtra } } as Receipt;
          expect(canonicalReceiptText(r)).toBe(canonicalize(r as unknown as JsonValue));
        },
      ),
      fcParams(300),
    );
  });

  it('buckets token counts to powers of two', () => {
    expect([0, 1, 2, 3, 16, 17, 1000].map(bucketTokens)).toEqual([0, 1, 2, 4, 16, 32, 1024]);
  });

  it('rejects non-canonical, incomplete or unbucketed receipts', async () => {
    const { receipt, canonical } = await fixture();
    const text = utf8.decode(canonical);
    const bad = [
      text.replace('{', '{ '),
      `{"v":1,${text.slice(1).replace(',"v":1', '')}`,
      text.replace('"seed":1234', '"seed":1234.0'),
      text.replace('"v":1', '"v":2'),
      text.replace('"completion":128', '"completion":100'),
      text.replace('"time":1748781240', '"time":1748781241'),
      utf8.decode(canonicalReceipt({ ...receipt, extra: 1 } as unknown as Receipt)),
      '[]',
      'not json',
    ];
    for (const b of bad)
      expect(() => parseReceipt(utf8.encode(b)), b).toThrow(
        expect.objectContaining({ code: 'ERR_MALFORMED' }),
      );
  });
});

describe('receipt verification', () => {
  it('verifies signature and both commitments on the client copy', async () => {
    const { publicKey, receipt, field } = await fixture();
    expect(await verifyReceipt(field, { publicKey, request, response })).toEqual(receipt);
  });

  it('rejects a different request or response body, another key, or a missing salt', async () => {
    const { publicKey, canonical, signature, field } = await fixture();
    expect(await rejectionCode(verifyReceipt(field, { publicKey, request: utf8.encode('other') }))).toBe(
      'ERR_VERIFY',
    );
    expect(await rejectionCode(verifyReceipt(field, { publicKey, response: response.subarray(1) }))).toBe(
      'ERR_VERIFY',
    );
    const other = await ed25519PublicKeyOfSeed(new Uint8Array(32).fill(0x22));
    expect(await rejectionCode(verifyReceipt(field, { publicKey: other }))).toBe('ERR_VERIFY');
    const noSalt = encodeReceiptField(canonical, signature);
    await verifyReceipt(noSalt, { publicKey });
    expect(await rejectionCode(verifyReceipt(noSalt, { publicKey, request }))).toBe('ERR_VERIFY');
  });

  it('logs the signed receipt without its salt', async () => {
    const { canonical, signature, field } = await fixture();
    const entry = utf8.decode(receiptLogEntry(canonical, signature));
    expect(field.startsWith(`${entry}.`)).toBe(true);
    expect(entry.split('.')).toHaveLength(2);
    expect(decodeReceiptField(entry).salt).toBeUndefined();
  });

  it('rejects a change to any character of the field, only with TacitError', async () => {
    const { publicKey, field } = await fixture();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat(field.length - 1), fc.nat(alphabet.length - 1), async (i, j) => {
        const c = alphabet[j]!;
        fc.pre(c !== field[i]);
        const t = field.slice(0, i) + c + field.slice(i + 1);
        expect(['ERR_VERIFY', 'ERR_MALFORMED']).toContain(
          await rejectionCode(verifyReceipt(t, { publicKey, request, response })),
        );
      }),
      fcParams(300),
    );
  });

  it('parses arbitrary bytes and strings with TacitError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }), (b, s) => {
        for (const f of [() => parseReceipt(b), () => decodeReceiptField(s)]) {
          try {
            f();
          } catch (e) {
            expect(isTacitError(e, 'ERR_MALFORMED')).toBe(true);
          }
        }
      }),
      fcParams(300),
    );
  });
});
