/**
 * Batch receipt signatures (shared/receipt/batch.ts): a batch built here from shared/merkle and
 * WebCrypto alone verifies for every member, and every change to a member's bytes, its index, the
 * batch size or the path is refused, as ERR_MALFORMED or as a signature that does not verify.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { ed25519PublicKeyOfSeed, importEd25519PublicKey } from '../../../shared/note/keys.ts';
import {
  BATCH_HEADER_SIZE,
  decodeBatchSignature,
  encodeBatchSignature,
  verifyReceiptSignature,
} from '../../../shared/receipt/batch.ts';
import { decodeReceiptField, encodeReceiptField } from '../../../shared/receipt/field.ts';
import { canonicalReceipt } from '../../../shared/receipt/receipt.ts';
import { signBatchHere } from '../../support/receipt-batch.ts';
import { fcParams } from '../../support/seed.ts';

const seed = new Uint8Array(32).fill(0x21);
const otherSeed = new Uint8Array(32).fill(0x22);

/** n distinct canonical receipts (their content does not matter to the signature). */
const canonicals = (n: number, tag = 'r'): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => utf8.encode(`{"${tag}":${i}}`));

const publicKey = async (s: Uint8Array) => importEd25519PublicKey(await ed25519PublicKeyOfSeed(s));

/** Verifies, mapping a typed refusal to false; anything but a TacitError fails the test. */
async function accepts(key: CryptoKey, canonical: Uint8Array, sig: Uint8Array): Promise<boolean> {
  try {
    return await verifyReceiptSignature(key, canonical, sig);
  } catch (e) {
    expect(isTacitError(e)).toBe(true);
    return false;
  }
}

describe('batch receipt signatures', () => {
  it('verify for every member of batches of 2 to 40, and for no other receipt or key', async () => {
    const key = await publicKey(seed);
    const other = await publicKey(otherSeed);
    for (const n of [2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 40]) {
      const items = canonicals(n);
      const sigs = await signBatchHere(seed, items);
      for (let i = 0; i < n; i++) {
        expect(await accepts(key, items[i]!, sigs[i]!)).toBe(true);
        expect(await accepts(other, items[i]!, sigs[i]!)).toBe(false);
        // Another member's bytes under this member's path.
        expect(await accepts(key, items[(i + 1) % n]!, sigs[i]!)).toBe(false);
        expect(await accepts(key, utf8.encode('{"r":-1}'), sigs[i]!)).toBe(false);
      }
    }
  });

  it('refuses every single-byte change to a member signature', async () => {
    const key = await publicKey(seed);
    const items = canonicals(6);
    const sigs = await signBatchHere(seed, items);
    for (const i of [0, 3, 5]) {
      const sig = sigs[i]!;
      for (let at = 0; at < sig.length; at++) {
        const bad = sig.slice();
        bad[at]! ^= 0x01;
        expect(await accepts(key, items[i]!, bad)).toBe(false);
      }
    }
  });

  it('refuses a changed index or size, a path cut or extended, and a batch of one in batch form', async () => {
    const key = await publicKey(seed);
    const items = canonicals(8);
    const sigs = await signBatchHere(seed, items);
    const parts = decodeBatchSignature(sigs[2]!);
    const tweak = (change: Partial<typeof parts>) => encodeBatchSignature({ ...parts, ...change });
    // Index 6 has a path of the same length: well formed, but it proves another leaf.
    expect(await accepts(key, items[2]!, tweak({ index: 6 }))).toBe(false);
    expect(await accepts(key, items[2]!, tweak({ size: 7 }))).toBe(false);
    expect(() => decodeBatchSignature(tweak({ size: 16 }))).toThrow(/path length/);
    expect(() => decodeBatchSignature(tweak({ path: parts.path.slice(1) }))).toThrow(/path length/);
    expect(() => decodeBatchSignature(tweak({ path: [...parts.path, parts.path[0]!] }))).toThrow(
      /path length/,
    );
    expect(() => decodeBatchSignature(tweak({ index: 8 }))).toThrow(/index or size/);
    expect(() => decodeBatchSignature(tweak({ size: 1, index: 0, path: [] }))).toThrow(
      /length|index or size/,
    );
    expect(() => decodeBatchSignature(tweak({ size: 1, index: 0, path: [parts.path[0]!] }))).toThrow(
      /index or size/,
    );
    expect(() => decodeBatchSignature(sigs[2]!.subarray(0, BATCH_HEADER_SIZE))).toThrow(/length/);
  });

  it('keeps the single and batch messages apart: a batch root signature is no receipt signature', async () => {
    const key = await publicKey(seed);
    const items = canonicals(2);
    const sigs = await signBatchHere(seed, items);
    const bare = decodeBatchSignature(sigs[0]!).signature;
    expect(await accepts(key, items[0]!, bare)).toBe(false);
  });

  it('travels in the receipt field; a field never throws anything but a typed error', async () => {
    const commitment = 'A'.repeat(43);
    const items = [0, 1, 2].map((logIndex) =>
      canonicalReceipt({
        v: 1,
        kid: '0011223344556677',
        logIndex,
        time: 60,
        model: `sha256:${'0'.repeat(64)}`,
        measurement: 'ab'.repeat(32),
        request: commitment,
        response: commitment,
        sampling: {},
        seed: null,
        usage: { prompt: 0, completion: 0 },
      }),
    );
    const sigs = await signBatchHere(seed, items);
    const field = encodeReceiptField(items[1]!, sigs[1]!);
    const decoded = decodeReceiptField(field);
    expect(decoded.receipt.logIndex).toBe(1);
    expect(Array.from(decoded.signature)).toEqual(Array.from(sigs[1]!));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (sig) => {
        try {
          decodeReceiptField(encodeReceiptField(items[1]!, sig));
        } catch (e) {
          expect(isTacitError(e)).toBe(true);
        }
      }),
      fcParams(300),
    );
  });
});
