/** Whole answers: padded to the policy, released on the time grid (jitter only on top), config flags. */
import { describe, expect, it } from 'vitest';
import { readOptions } from '../../../gateway/options.ts';
import { fakeClock } from '../../../gateway/shaping/clock.ts';
import { SHAPING_OPTION_SPECS } from '../../../gateway/shaping/config.ts';
import { gridDelay, linearGrid } from '../../../gateway/shaping/grid.ts';
import { createShaper, parsePolicy, readShaping, SHAPING_DEFAULTS } from '../../../gateway/shaping/index.ts';
import { shapeWhole } from '../../../gateway/shaping/whole.ts';
import { decodeResponse, encodeResponse } from '../../../shared/bhttp/index.ts';
import { padme, powerOfTwo } from '../../../shared/padding/index.ts';

const answer = (n: number) =>
  encodeResponse({
    status: 200,
    headers: [['content-type', 'text/plain']],
    content: new Uint8Array(n).fill(97),
  });

describe('time grid', () => {
  it('waits up to the next grid point', () => {
    const grid = powerOfTwo({ floor: 256 });
    expect(gridDelay(10, grid)).toBe(246);
    expect(gridDelay(256, grid)).toBe(0);
    expect(gridDelay(257, grid)).toBe(255);
    expect(gridDelay(0, grid)).toBe(256);
    expect(gridDelay(99.2, linearGrid(100))).toBe(0);
    expect(gridDelay(101, linearGrid(100))).toBe(99);
  });

  it('adds jitter on top of the grid point, never instead of it', () => {
    const grid = linearGrid(100);
    for (let i = 0; i < 200; i++) {
      const d = gridDelay(30, grid, 20);
      expect(d).toBeGreaterThanOrEqual(70);
      expect(d).toBeLessThanOrEqual(90);
    }
    expect(gridDelay(30, grid, 20, () => 20)).toBe(90);
  });
});

describe('shapeWhole', () => {
  it('pads with zero bytes that decode to the same response, and waits for the grid', async () => {
    const clock = fakeClock(1000);
    const shaping = { padding: padme, grid: linearGrid(250), jitterMs: 0 };
    const bytes = answer(1000);
    const out = await shapeWhole(bytes, 1000 - 40, shaping, { clock });
    expect(out.length).toBe(padme(bytes.length));
    expect(decodeResponse(out).content).toEqual(decodeResponse(bytes).content);
    expect(clock.slept).toEqual([210]);
  });

  it('two answers of different work time leave at the same grid point', async () => {
    const clock = fakeClock();
    const shaper = createShaper({ ...SHAPING_DEFAULTS, grid: 'linear:500' }, { clock });
    await shaper.whole(answer(10), clock.now() - 30);
    const a = clock.now();
    await shaper.whole(answer(10), clock.now() - 470);
    expect(a).toBe(470);
    expect(clock.now() - a).toBe(30);
  });

  it('is a no-op when shaping is off', async () => {
    const clock = fakeClock();
    const shaper = createShaper({ ...SHAPING_DEFAULTS, enabled: false }, { clock });
    const bytes = answer(77);
    expect(await shaper.whole(bytes, 0)).toBe(bytes);
    expect(clock.slept).toEqual([]);
  });
});

describe('shaping configuration', () => {
  it('parses every policy form and rejects the rest with a reason', () => {
    expect((parsePolicy('pow2:100') as (n: number) => number)(101)).toBe(128);
    expect((parsePolicy('buckets:10,20') as (n: number) => number)(11)).toBe(20);
    expect((parsePolicy('linear:7') as (n: number) => number)(8)).toBe(14);
    expect((parsePolicy('none') as (n: number) => number)(8)).toBe(8);
    expect(parsePolicy('padme')).toBe(padme);
    expect(parsePolicy('pow2')).toMatch(/floor/);
    expect(parsePolicy('buckets:3,2')).toMatch(/increasing/);
    expect(parsePolicy('zigzag')).toMatch(/unknown policy/);
  });

  it('reads flags and environment, listing every error at once', () => {
    const ok = readOptions(
      SHAPING_OPTION_SPECS,
      ['--tick', '80ms', '--cell-size', '512', '--shaping', 'off'],
      {
        TACIT_SHAPING_PADDING: 'pow2:512',
      },
    );
    const errors: string[] = [];
    const c = readShaping(ok.values, errors);
    expect(errors).toEqual([]);
    expect(c).toMatchObject({ tickMs: 80, cellSize: 512, enabled: false, padding: 'pow2:512' });
    const bad = readOptions(
      SHAPING_OPTION_SPECS,
      ['--tick', '0ms', '--cell-size', '8', '--grid', 'x', '--shaping', 'maybe'],
      {},
    );
    const errs: string[] = [];
    readShaping(bad.values, errs);
    expect(errs.length).toBe(4);
  });
});
