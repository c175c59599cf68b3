import type { CoreOptions } from '../../../../enclave/engine/core.ts';
import { DEFAULT_PLAN } from '../../../../enclave/engine/scheduler.ts';

/** What a random stress scenario sets of the core (the property tests draw each from fast-check). */
export interface StressShape {
  blocks: number;
  hostBlocks: number;
  swapAt: number;
  chunk: number;
  budget: number;
  maxBatch: number;
}

/**
 * Core options for a stress scenario: a small pool with no growth kept free at admission
 * (admissionLookahead 0), so that it runs dry and preemption, swap and offload are all exercised.
 */
export function stressOptions(sc: StressShape, blockBytes: number): Partial<CoreOptions> {
  return {
    kvMemoryBytes: sc.blocks * blockBytes,
    hostOffloadBytes: sc.hostBlocks * blockBytes,
    swapThresholdTokens: sc.swapAt,
    admissionLookahead: 0,
    plan: {
      ...DEFAULT_PLAN,
      prefillChunk: sc.chunk,
      tokenBudget: sc.budget,
      maxBatch: sc.maxBatch,
      prefillFloor: 1,
    },
  };
}
