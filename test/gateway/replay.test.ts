import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHttpDate, ReplayGuard } from '../../gateway/replay.ts';
import { fcParams } from '../support/seed.ts';

const enc = (n: number) => new Uint8Array(32).fill(n);

describe('replay guard (RFC 9458 6.5)', () => {
  it('accepts a fresh request once and refuses the same enc again', () => {
    let now = 1_000_000;
    const g = new ReplayGuard({ windowMs: 60_000, now: () => now });
    expect(g.check(enc(1), now)).toBe('ok');
    expect(g.check(enc(1), now)).toBe('replay');
    now += 59_000;
    expect(g.check(enc(1), now - 1000)).toBe('replay');
    expect(g.check(enc(2), now)).toBe('ok');
  });

  it('refuses a missing, unparseable or out-of-window Date as stale', () => {
    const now = 5_000_000;
    const g = new ReplayGuard({ windowMs: 30_000, now: () => now });
    expect(g.check(enc(1), undefined)).toBe('stale');
    expect(g.check(enc(1), Number.NaN)).toBe('stale');
    expect(g.check(enc(1), now - 30_001)).toBe('stale');
    expect(g.check(enc(1), now + 30_001)).toBe('stale');
    expect(g.check(enc(1), now + 30_000)).toBe('ok');
  });

  it('refuses when full instead of forgetting', () => {
    const g = new ReplayGuard({ windowMs: 1000, maxEntries: 2, now: () => 0 });
    expect(g.check(enc(1), 0)).toBe('ok');
    expect(g.check(enc(2), 0)).toBe('ok');
    expect(g.check(enc(3), 0)).toBe('full');
    expect(g.size).toBe(2);
  });

  it('property: no enc is ever accepted twice while a copy could still pass the Date check', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 5 }),
            dt: fc.integer({ min: 0, max: 20_000 }),
            skew: fc.integer({ min: -12_000, max: 12_000 }),
          }),
          {
            maxLength: 60,
          },
        ),
        (steps) => {
          let now = 1_000_000;
          const window = 10_000;
          const g = new ReplayGuard({ windowMs: window, now: () => now });
          const accepted = new Map<number, number>(); // id -> date it was accepted with
          for (const s of steps) {
            now += s.dt;
            const date = now + s.skew;
            const v = g.check(enc(s.id), date);
            if (v === 'ok') {
              const prev = accepted.get(s.id);
              // A previous copy with the same enc must be one that could no longer pass on its own Date.
              if (prev !== undefined) expect(Math.abs(prev - now)).toBeGreaterThan(window);
              accepted.set(s.id, date);
            }
            expect(v === 'full').toBe(false);
          }
          // Memory stays bounded by what the window allows.
          expect(g.size).toBeLessThanOrEqual(6);
        },
      ),
      fcParams(),
    );
  });

  it('parses HTTP dates', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777000);
    expect(parseHttpDate('yesterday')).toBeUndefined();
    expect(parseHttpDate(null)).toBeUndefined();
  });
});
