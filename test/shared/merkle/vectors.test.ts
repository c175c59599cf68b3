/** RFC 6962 / RFC 9162 known answers: the eight Certificate Transparency test leaves. */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../shared/bytes.ts';
import { consistencyProof, verifyConsistency } from '../../../shared/merkle/consistency.ts';
import { emptyRoot, leafHash } from '../../../shared/merkle/hash.ts';
import { inclusionProof, verifyInclusion } from '../../../shared/merkle/inclusion.ts';
import { merkleRoot, nodeReaderFromArray, rootHash } from '../../../shared/merkle/tree.ts';
import { loadVector } from '../../support/vectors.ts';

interface MerkleVectors {
  leaves_hex: string[];
  empty_tree_root: string;
  leaf_hashes: string[];
  roots_by_tree_size: Record<string, string>;
  inclusion_proofs: { tree_size: number; leaf_index: number; path: string[] }[];
  consistency_proofs: { old_size: number; new_size: number; proof: string[] }[];
}

const v = loadVector<MerkleVectors>('rfc6962-merkle-vectors.json');
const leafHashes = v.leaf_hashes.map(hexToBytes);
const reader = nodeReaderFromArray(leafHashes);
const root = (n: number) => hexToBytes(v.roots_by_tree_size[String(n)]!);

describe('RFC 6962 Merkle known answers', () => {
  it('hashes the empty tree to SHA-256 of the empty string', async () => {
    expect(bytesToHex(await emptyRoot())).toBe(v.empty_tree_root);
    expect(bytesToHex(await merkleRoot([]))).toBe(v.empty_tree_root);
  });

  it('hashes each leaf with the 0x00 prefix', async () => {
    for (const [i, hex] of v.leaves_hex.entries()) {
      expect(bytesToHex(await leafHash(hexToBytes(hex)))).toBe(v.leaf_hashes[i]);
    }
  });

  it('computes the root of every prefix of the tree', async () => {
    for (let n = 1; n <= 8; n++) {
      expect(bytesToHex(await rootHash(n, reader))).toBe(v.roots_by_tree_size[String(n)]);
      expect(bytesToHex(await merkleRoot(leafHashes.slice(0, n)))).toBe(v.roots_by_tree_size[String(n)]);
    }
  });

  it.each(v.inclusion_proofs)(
    'generates and verifies the inclusion proof of leaf $leaf_index in tree $tree_size',
    async (p) => {
      const proof = await inclusionProof(p.leaf_index, p.tree_size, reader);
      expect(proof.map(bytesToHex)).toEqual(p.path);
      await verifyInclusion(
        leafHashes[p.leaf_index]!,
        p.leaf_index,
        p.tree_size,
        p.path.map(hexToBytes),
        root(p.tree_size),
      );
    },
  );

  it.each(v.consistency_proofs)(
    'generates and verifies the consistency proof $old_size -> $new_size',
    async (p) => {
      const proof = await consistencyProof(p.old_size, p.new_size, reader);
      expect(proof.map(bytesToHex)).toEqual(p.proof);
      await verifyConsistency(
        p.old_size,
        p.new_size,
        p.proof.map(hexToBytes),
        root(p.old_size),
        root(p.new_size),
      );
    },
  );

  it('rejects a vector proof checked against the wrong root, index or size', async () => {
    const p = v.inclusion_proofs[6]!; // tree 8, leaf 5
    const path = p.path.map(hexToBytes);
    const leaf = leafHashes[5]!;
    await expect(verifyInclusion(leaf, 5, 8, path, root(7))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
    await expect(verifyInclusion(leaf, 4, 8, path, root(8))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
    await expect(verifyInclusion(leaf, 5, 6, path, root(8))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
    await expect(verifyInclusion(leaf, 8, 8, path, root(8))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
    await expect(verifyInclusion(leaf, 5, 8, path.slice(0, 2), root(8))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
    await expect(verifyInclusion(leaf, 5, 8, [...path, path[0]!], root(8))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
  });

  it('rejects a consistency proof for sizes it was not made for', async () => {
    const p = v.consistency_proofs[3]!; // 3 -> 7
    const proof = p.proof.map(hexToBytes);
    await expect(verifyConsistency(3, 8, proof, root(3), root(8))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
    await expect(verifyConsistency(7, 3, proof, root(7), root(3))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
    await expect(verifyConsistency(3, 7, [], root(3), root(7))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
    await expect(verifyConsistency(4, 4, [], root(4), root(5))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
  });

  it('accepts the empty tree as a prefix of any tree, with an empty proof only', async () => {
    const empty = hexToBytes(v.empty_tree_root);
    await verifyConsistency(0, 5, [], empty, root(5));
    await expect(verifyConsistency(0, 5, [root(1)], empty, root(5))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
    await expect(verifyConsistency(0, 5, [], root(1), root(5))).rejects.toMatchObject({ code: 'ERR_VERIFY' });
  });

  it('refuses to generate proofs outside the tree', () => {
    expect(() => inclusionProof(8, 8, reader)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => consistencyProof(5, 4, reader)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => inclusionProof(-1, 8, reader)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
