/**
 * The engine core's options and their defaults: the memory budgets, queue limits and admission
 * tuning. Separate from core.ts so that the knobs and why each exists read in one place, and so that
 * the worker protocol and benchmarks can name them without the step loop (core.ts re-exports both).
 */
import { DEFAULT_PLAN, type PlanOptions } from './scheduler.ts';

export interface CoreOptions {
  kvMemoryBytes: number;
  hostOffloadBytes: number;
  offloadDir?: string;
  queueLimit: number;
  maxRunning: number;
  plan: PlanOptions;
  swapThresholdTokens: number;
  /** Fraction of the pool left free at admission for running sequences to grow into. */
  admissionHeadroom: number;
  /**
   * Tokens of growth kept free at admission for each running sequence (at most what it may still
   * write: the rest of its prompt and of its maxTokens), so that admitting a new prompt does not
   * force a recompute preemption of a stream a few steps later.
   */
  admissionLookahead: number;
  reserveMaxContext: boolean;
  sessionTtlMs: number | null;
  capacityLengths: number[];
  /** Epoch milliseconds (see RequestTimings). */
  now: () => number;
}

export const DEFAULT_CORE: CoreOptions = {
  kvMemoryBytes: 256 << 20,
  hostOffloadBytes: 1 << 30,
  queueLimit: 256,
  maxRunning: 256,
  plan: DEFAULT_PLAN,
  swapThresholdTokens: 256,
  admissionHeadroom: 0.04,
  admissionLookahead: 128,
  reserveMaxContext: false,
  sessionTtlMs: 30 * 60_000,
  capacityLengths: [512, 1024, 2048],
  now: () => performance.timeOrigin + performance.now(),
};
