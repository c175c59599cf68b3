/**
 * The node backend's HKDF (primitives-node.ts, createHmac with a single-block short path) must equal
 * node:crypto's HKDF for every hash, key length (empty, short, a full block, longer than a block),
 * piece split and output length.
 */
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat } from '../../../shared/bytes.ts';
import type { HashName } from '../../../shared/hpke/ids.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';
import { fcParams } from '../../support/seed.ts';

const NODE: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const LEN: Record<HashName, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
/** The node backend answers synchronously (steps.ts relies on it); a Promise here is a failure. */
function sync(v: Uint8Array | Promise<Uint8Array>): Uint8Array {
  if (v instanceof Promise) throw new Error('node primitives must answer synchronously');
  return v;
}
const extract = (h: HashName, salt: Uint8Array, ikm: Uint8Array | Uint8Array[]) =>
  sync(nodePrimitives.extract(h, salt, ikm));
const expand = (h: HashName, prk: Uint8Array, info: Uint8Array | Uint8Array[], n: number) =>
  sync(nodePrimitives.expand(h, prk, info, n));

describe('node HKDF', () => {
  it('equals node:crypto hkdf for extract then expand, whole or in pieces', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<HashName>('SHA-256', 'SHA-384', 'SHA-512'),
        bytes(300),
        fc.array(bytes(80), { maxLength: 4 }),
        fc.array(bytes(40), { maxLength: 4 }),
        fc.integer({ min: 1, max: 400 }),
        (hash, salt, ikmParts, infoParts, length) => {
          const ikm = concat(...ikmParts);
          const info = concat(...infoParts);
          const want = new Uint8Array(hkdfSync(NODE[hash], ikm, salt, info, length));
          const prk = extract(hash, salt, ikmParts);
          expect(prk.length).toBe(LEN[hash]);
          expect(expand(hash, prk, infoParts, length)).toEqual(want);
          expect(expand(hash, extract(hash, salt, ikm), info, length)).toEqual(want);
        },
      ),
      fcParams(300),
    );
  });

  it('matches RFC 5869 test case 1', () => {
    const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    const prk = extract('SHA-256', hex('000102030405060708090a0b0c'), hex('0b'.repeat(22)));
    expect(Buffer.from(prk).toString('hex')).toBe(
      '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    );
    const okm = expand('SHA-256', prk, hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(Buffer.from(okm).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
});
