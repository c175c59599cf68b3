/** Padding policies: known answers and the properties each one promises. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../../shared/bhttp/index.ts';
import { buckets, none, type PaddingPolicy, padme, padTo, powerOfTwo } from '../../shared/padding/index.ts';
import { fcParams } from '../support/seed.ts';
import { messageOf, options, request } from './bhttp/arbitraries.ts';

function distinct(policy: PaddingPolicy, from: number, to: number): number {
  const seen = new Set<number>();
  for (let n = from; n <= to; n++) seen.add(policy(n));
  return seen.size;
}

const policies: [string, PaddingPolicy][] = [
  ['none', none],
  ['powerOfTwo(64)', powerOfTwo({ floor: 64 })],
  ['powerOfTwo(100)', powerOfTwo({ floor: 100 })],
  ['buckets', buckets([100, 500, 1000])],
  ['padme', padme],
];

describe('padding policies', () => {
  it('padmé matches hand-computed values of Algorithm 1', () => {
    // L=9: E=3, S=2, lastBits=1 -> 10. L=1000: E=9, S=4, lastBits=5 -> 1024. L=1025: E=10, S=4, 6 -> 1088.
    // L=65537: E=16, S=5, 11 -> 67584. L=2^40+1: E=40, S=6, 34 -> 65 * 2^34.
    const cases: [number, number][] = [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [8, 8],
      [9, 10],
      [129, 144],
      [1000, 1024],
      [1025, 1088],
      [65536, 65536],
      [65537, 67584],
      [2 ** 40 + 1, 65 * 2 ** 34],
    ];
    for (const [l, p] of cases) expect(padme(l)).toBe(p);
  });

  it('power of two with a floor, and buckets, known answers', () => {
    const p = powerOfTwo({ floor: 64 });
    expect([0, 1, 64, 65, 128, 129, 1000].map(p)).toEqual([64, 64, 64, 128, 128, 256, 1024]);
    const b = buckets([100, 500, 1000]);
    expect([0, 100, 101, 500, 999, 1000, 1001, 2500].map(b)).toEqual([
      100, 100, 500, 500, 1000, 1000, 2000, 3000,
    ]);
  });

  for (const [name, policy] of policies) {
    it(`${name}: padded >= length, monotone, idempotent`, () => {
      fc.assert(
        fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 20 }), (a, d) => {
          const pa = policy(a);
          expect(pa).toBeGreaterThanOrEqual(a);
          expect(policy(a + d)).toBeGreaterThanOrEqual(pa);
          expect(policy(pa)).toBe(pa);
        }),
        fcParams(500),
      );
    });
  }

  it('yields the promised number of distinct sizes', () => {
    expect(distinct(powerOfTwo({ floor: 64 }), 0, 4096)).toBe(7); // 64, 128, ..., 4096
    expect(distinct(buckets([100, 500, 1000]), 0, 3000)).toBe(5); // 100, 500, 1000, 2000, 3000
    // Padmé: each range (2^E, 2^(E+1)] maps to 2^S sizes, S = floor(log2 E) + 1.
    for (let e = 1; e <= 16; e++) {
      expect(distinct(padme, 2 ** e + 1, 2 ** (e + 1))).toBe(2 ** (Math.floor(Math.log2(e)) + 1));
    }
    // Overall: lengths 1..2^16 fall into far fewer sizes than lengths.
    expect(distinct(padme, 1, 2 ** 16)).toBeLessThan(300);
  });

  it('padmé overhead stays under 11.7% (worst case 129 -> 144)', () => {
    let worst = 0;
    for (let l = 2; l <= 200_000; l++) worst = Math.max(worst, (padme(l) - l) / l);
    expect(worst).toBeCloseTo(15 / 129, 10);
  });

  it('rejects bad arguments with ERR_INVALID_ARGUMENT', () => {
    expect(() => powerOfTwo({ floor: 0 })).toThrow(/floor/);
    expect(() => buckets([])).toThrow(/at least one/);
    expect(() => buckets([10, 10])).toThrow(/increasing/);
    expect(() => padme(-1)).toThrow(/length/);
    expect(() => padme(1.5)).toThrow(/length/);
    expect(() => padTo(new Uint8Array(4), () => 3)).toThrow(/shrank/);
  });
});

describe('padTo', () => {
  it('appends zeros that leave the Binary HTTP message unchanged, truncated or not', () => {
    const policy = buckets([64, 256, 1024]);
    fc.assert(
      fc.property(request, options, (m, o) => {
        const bytes = encodeRequest(m, { ...o, padding: 0 });
        const padded = padTo(bytes, policy);
        expect(padded.length).toBe(policy(bytes.length));
        expect(padded.subarray(0, bytes.length)).toEqual(bytes);
        expect(messageOf(decodeRequest(padded))).toEqual(messageOf(m));
        // The encoder's own option gives the same bytes without the extra copy.
        expect(encodeRequest(m, { ...o, padding: 0, padTo: policy })).toEqual(padded);
      }),
      fcParams(200),
    );
  });
});
