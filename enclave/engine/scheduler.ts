/**
 * The step planner: which running sequences compute how many tokens in the next step, grouped into
 * model runs. Pure policy over small records, so it can be tested without a model.
 *
 * - Continuous batching under a per-step token budget: decodes (one token each) go first, so a
 *   sequence that is already streaming never waits behind someone else's prompt; prompts fill the
 *   rest of the budget in chunks (DESIGN.md: 128-256 tokens is faster than one long chunk and bounds
 *   the stall every stream sees, which is what keeps p99 inter-token latency close to p50).
 * - Decodes are bucketed by context length: a run pads every block table to its longest row, so one
 *   long sequence in a batch of short ones would make all of them pay for its length.
 * - A small floor of prefill tokens per step keeps new prompts moving when decodes fill the budget.
 * - A step that carries decodes takes at most `mixedPrefill` prompt tokens: every stream's next
 *   token waits for the whole step, so a step of decodes plus two full prefill chunks is a long gap
 *   in every stream (the p99 inter-token latency). Steps without decodes still use the full budget.
 */

export interface Candidate {
  id: number;
  /** Tokens to compute before this sequence can sample (1 for a decode). */
  pending: number;
  /** Tokens already in the cache. */
  context: number;
  /** Step number of its last run (fairness when decodes exceed the budget). */
  lastRun: number;
}

export interface PlannedRow {
  id: number;
  /** Tokens computed in this run. */
  n: number;
}

export interface PlanOptions {
  tokenBudget: number;
  prefillChunk: number;
  /** Most rows in one run. */
  maxBatch: number;
  /** Prefill tokens per step even when decodes use the whole budget. */
  prefillFloor: number;
  /** Contexts up to this long share a bucket whatever their ratio. */
  bucketFloor: number;
  /** Most prefill tokens in a step that also carries decodes (bounds the decode stall). */
  mixedPrefill: number;
  /**
   * More prefill tokens allowed per decode in the step: a big decode batch already makes a long
   * step, so the same share of prompt work costs every stream the same relative delay.
   */
  mixedPerDecode: number;
}

export const DEFAULT_PLAN: PlanOptions = {
  tokenBudget: 512,
  prefillChunk: 128,
  maxBatch: 64,
  prefillFloor: 32,
  bucketFloor: 128,
  mixedPrefill: 64,
  mixedPerDecode: 1,
};

/** Candidates in admission order; returns runs in the order they should execute. */
export function planStep(cands: readonly Candidate[], o: PlanOptions = DEFAULT_PLAN): PlannedRow[][] {
  const decodes = cands.filter((c) => c.pending === 1);
  const prefills = cands.filter((c) => c.pending > 1);
  // Least recently run first, so that over budget every decode still gets its turn.
  const chosen = [...decodes]
    .sort((a, b) => a.lastRun - b.lastRun || a.id - b.id)
    .slice(0, o.tokenBudget)
    .sort((a, b) => a.context - b.context || a.id - b.id);
  const runs: PlannedRow[][] = [];
  let run: PlannedRow[] = [];
  let first = 0;
  for (const c of chosen) {
    // A new bucket when this context is more than twice the bucket's first (above the floor).
    if (run.length > 0 && (run.length >= o.maxBatch || c.context > 2 * Math.max(first, o.bucketFloor))) {
      runs.push(run);
      run = [];
    }
    if (run.length === 0) first = c.context;
    run.push({ id: c.id, n: 1 });
  }
  if (run.length > 0) runs.push(run);

  const budget =
    chosen.length > 0
      ? Math.min(o.tokenBudget, o.mixedPrefill + (1 + o.mixedPerDecode) * chosen.length)
      : o.tokenBudget;
  let left = Math.max(budget - chosen.length, o.prefillFloor);
  for (const c of prefills) {
    if (left <= 0) break;
    const n = Math.min(c.pending, o.prefillChunk, left);
    runs.push([{ id: c.id, n }]);
    left -= n;
  }
  return runs;
}
