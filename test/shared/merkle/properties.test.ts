/** Merkle proofs for random trees: every generated proof verifies, every tampered one fails. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistencyProof, verifyConsistency } from '../../../shared/merkle/consistency.ts';
import { leafHash, nodeHash } from '../../../shared/merkle/hash.ts';
import { inclusionProof, verifyInclusion } from '../../../shared/merkle/inclusion.ts';
import { type NodeReader, nodeReaderFromArray, rootHash } from '../../../shared/merkle/tree.ts';
import { fcParams } from '../../support/seed.ts';

const MAX = 300;
let leaves: Uint8Array[] = [];
let reader: NodeReader;

/** The RFC 6962 2.1 definition, literally, as an independent oracle. */
async function mth(hashes: Uint8Array[]): Promise<Uint8Array> {
  if (hashes.length === 1) return hashes[0]!;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(await mth(hashes.slice(0, k)), await mth(hashes.slice(k)));
}

async function ok(p: Promise<void>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    expect(e).toMatchObject({ name: 'TacitError', code: 'ERR_VERIFY' });
    return false;
  }
}

describe('Merkle proof properties', async () => {
  leaves = await Promise.all(
    Array.from({ length: MAX }, (_, i) => leafHash(Uint8Array.of(i & 0xff, i >> 8))),
  );
  reader = nodeReaderFromArray(leaves);

  it('computes the same root as the literal RFC definition', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX }), async (n) => {
        expect(await rootHash(n, reader)).toEqual(await mth(leaves.slice(0, n)));
      }),
      fcParams(60),
    );
  });

  it('verifies every inclusion proof it generates, and no tampered one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: MAX })
          .chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.nat(), fc.nat(255))),
        async ([n, i, pick, bit]) => {
          const root = await rootHash(n, reader);
          const proof = await inclusionProof(i, n, reader);
          await verifyInclusion(leaves[i]!, i, n, proof, root);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            const j = pick % bad.length;
            bad[j]![bit % 32]! ^= 1 << (bit % 8);
            expect(await ok(verifyInclusion(leaves[i]!, i, n, bad, root))).toBe(false);
          }
          const badLeaf = leaves[i]!.slice();
          badLeaf[bit % 32]! ^= 1 << (bit % 8);
          expect(await ok(verifyInclusion(badLeaf, i, n, proof, root))).toBe(false);
          if (n > 1) expect(await ok(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root))).toBe(false);
        },
      ),
      fcParams(100),
    );
  });

  it('verifies every consistency proof it generates for m <= n, and no tampered one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: MAX })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n), fc.nat(), fc.nat(255))),
        async ([m, n, pick, bit]) => {
          const [oldRoot, newRoot] = await Promise.all([rootHash(m, reader), rootHash(n, reader)]);
          const proof = await consistencyProof(m, n, reader);
          await verifyConsistency(m, n, proof, oldRoot, newRoot);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            bad[pick % bad.length]![bit % 32]! ^= 1 << (bit % 8);
            expect(await ok(verifyConsistency(m, n, bad, oldRoot, newRoot))).toBe(false);
            expect(await ok(verifyConsistency(m, n, proof.slice(1), oldRoot, newRoot))).toBe(false);
          }
          const otherOld = await rootHash(m === n ? m - 1 || 1 : m + 1, reader);
          if (m !== n || m > 1)
            expect(await ok(verifyConsistency(m, n, proof, otherOld, newRoot))).toBe(false);
        },
      ),
      fcParams(100),
    );
  });
});
