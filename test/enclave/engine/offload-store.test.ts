import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { OffloadStore } from '../../../enclave/engine/offload-store.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { fcParams } from '../../support/seed.ts';

const stores: OffloadStore[] = [];
const make = (hostBytes: number): OffloadStore => {
  const s = new OffloadStore({ hostBytes });
  stores.push(s);
  return s;
};
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

describe('OffloadStore', () => {
  it('round-trips through host memory and through encrypted disk', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const data = Float32Array.from(xs);
        const s = make(0); // every entry spills to disk at once
        const h = s.put(data);
        expect(s.tier(h)).toBe('disk');
        expect(s.get(h)).toEqual(data);
        const m = make(1 << 20);
        const g = m.put(data);
        expect(m.tier(g)).toBe('host');
        expect(m.get(g)).toEqual(data);
      }),
      fcParams(30),
    );
  });

  it('spills the oldest entries to disk when the host budget is exceeded', () => {
    const s = make(2 * 4 * 100);
    const hs = [0, 1, 2].map((i) => s.put(new Float32Array(100).fill(i)));
    expect(hs.map((h) => s.tier(h))).toEqual(['disk', 'host', 'host']);
    expect(s.hostBytes).toBe(800);
    expect(s.diskBytes).toBe(400);
    expect(s.get(hs[0]!)[99]).toBe(0);
    s.delete(hs[0]!);
    expect(s.tier(hs[0]!)).toBeUndefined();
    expect(s.diskBytes).toBe(0);
  });

  it('stores ciphertext, not the floats', () => {
    const s = make(0);
    const data = new Float32Array(64).fill(1.5);
    const h = s.put(data);
    const file = readFileSync(s.pathOf(h));
    expect(file.length).toBe(12 + 256 + 16);
    expect(file.includes(Buffer.from(data.buffer).subarray(0, 16))).toBe(false);
  });

  it('rejects a tampered, truncated or swapped entry with the single decryption error', () => {
    const s = make(0);
    const a = s.put(new Float32Array(32).fill(1));
    const b = s.put(new Float32Array(32).fill(2));
    const fileA = readFileSync(s.pathOf(a));
    const fileB = readFileSync(s.pathOf(b));
    const flipped = Buffer.from(fileA);
    flipped[20]! ^= 1;
    const cases = [flipped, fileA.subarray(0, fileA.length - 1), fileB];
    for (const bad of cases) {
      writeFileSync(s.pathOf(a), bad);
      let err: unknown;
      try {
        s.get(a);
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err, 'ERR_DECRYPT')).toBe(true);
    }
  });

  it('cannot be opened by another store (the key is per process, per store)', () => {
    const s = make(0);
    const t = make(0);
    const h = s.put(new Float32Array(8).fill(3));
    const u = t.put(new Float32Array(8).fill(0));
    expect(h).toBe(u);
    writeFileSync(t.pathOf(u), readFileSync(s.pathOf(h)));
    expect(() => t.get(u)).toThrow('decryption failed');
  });
});
