import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  DEFAULT_PLAN,
  type PlanOptions,
  planStep,
} from '../../../enclave/engine/scheduler.ts';
import { fcParams } from '../../support/seed.ts';

const opts: PlanOptions = {
  ...DEFAULT_PLAN,
  tokenBudget: 64,
  prefillChunk: 16,
  maxBatch: 4,
  prefillFloor: 8,
  mixedPrefill: 64,
  mixedPerDecode: 1,
};
const dec = (id: number, context: number, lastRun = 0): Candidate => ({ id, pending: 1, context, lastRun });
const pre = (id: number, pending: number): Candidate => ({ id, pending, context: 0, lastRun: 0 });

describe('planStep', () => {
  it('runs decodes first, then prompts in chunks, under the token budget', () => {
    const runs = planStep([pre(1, 40), dec(2, 10), pre(3, 100), dec(4, 12)], opts);
    expect(runs).toEqual([
      [
        { id: 2, n: 1 },
        { id: 4, n: 1 },
      ],
      [{ id: 1, n: 16 }],
      [{ id: 3, n: 16 }],
    ]);
  });

  it('buckets decodes by context length so one long context does not pad the short ones', () => {
    const runs = planStep([dec(1, 20), dec(2, 1000), dec(3, 30), dec(4, 3000), dec(5, 1500)], opts);
    expect(runs.map((r) => r.map((x) => x.id))).toEqual([[1, 3], [2, 5], [4]]);
  });

  it('keeps prompts moving when decodes fill the budget (prefill floor)', () => {
    const many = Array.from({ length: 70 }, (_, i) => dec(i, 10));
    const runs = planStep([...many, pre(100, 50)], opts);
    expect(runs.flat().filter((r) => r.id === 100)).toEqual([{ id: 100, n: 8 }]);
    expect(runs.flat().filter((r) => r.n === 1)).toHaveLength(64);
  });

  it('caps prompt tokens in a step that carries decodes, not in one without', () => {
    const o = { ...opts, mixedPrefill: 20, mixedPerDecode: 0 };
    const withDecodes = planStep([dec(1, 10), pre(2, 100), pre(3, 100)], o);
    expect(withDecodes).toEqual([[{ id: 1, n: 1 }], [{ id: 2, n: 16 }], [{ id: 3, n: 4 }]]);
    const prefillOnly = planStep([pre(2, 100), pre(3, 100)], o);
    expect(prefillOnly.flat().reduce((s, r) => s + r.n, 0)).toBe(32);
    // A bigger decode batch makes a longer step anyway: it may carry more prompt work.
    const o2 = { ...o, mixedPerDecode: 2 };
    const four = [1, 2, 3, 4].map((i) => dec(i, 10));
    const prompt = planStep([...four, pre(9, 100), pre(10, 100)], o2).filter((r) => r[0]!.n > 1);
    expect(prompt).toEqual([[{ id: 9, n: 16 }], [{ id: 10, n: 12 }]]);
  });

  it('plans each candidate at most once, within its pending tokens, runs within maxBatch', () => {
    const cand = fc.record({
      pending: fc.integer({ min: 1, max: 300 }),
      context: fc.integer({ min: 0, max: 4000 }),
      lastRun: fc.nat(50),
    });
    fc.assert(
      fc.property(fc.array(cand, { maxLength: 100 }), (cs) => {
        const cands = cs.map((c, id) => ({ ...c, id }));
        const runs = planStep(cands, opts);
        const rows = runs.flat();
        expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
        for (const r of rows)
          expect(r.n).toBeLessThanOrEqual(Math.min(cands[r.id]!.pending, opts.prefillChunk));
        for (const run of runs) expect(run.length).toBeLessThanOrEqual(opts.maxBatch);
        const decodes = rows.filter((r) => cands[r.id]!.pending === 1).length;
        const prefill = rows.filter((r) => cands[r.id]!.pending > 1).reduce((s, r) => s + r.n, 0);
        expect(decodes).toBe(Math.min(opts.tokenBudget, cands.filter((c) => c.pending === 1).length));
        expect(prefill).toBeLessThanOrEqual(Math.max(opts.tokenBudget - decodes, opts.prefillFloor));
        const mixed = opts.mixedPrefill + opts.mixedPerDecode * decodes;
        if (decodes > 0) expect(prefill).toBeLessThanOrEqual(Math.max(mixed, opts.prefillFloor));
        for (const run of runs) {
          const ctx = run.map((r) => cands[r.id]!.context);
          if (run.length > 1)
            expect(Math.max(...ctx)).toBeLessThanOrEqual(2 * Math.max(ctx[0]!, opts.bucketFloor));
        }
      }),
      fcParams(200),
    );
  });
});
