/**
 * One request's state inside the engine: its tokens, how many of them have K/V in the pool, the
 * blocks that hold them, and its sampling state. The invariant the core keeps: a live sequence always
 * has at least one token to compute (`pending() >= 1`): the prompt's tail, or the token it sampled
 * last, whose K/V is written by the run that samples the next one.
 */
import { Prng } from './sampler.ts';
import { StopMatcher } from './stop.ts';
import type { GenerationEvent, RequestTimings, SamplingParams } from './types.ts';

export type SequenceState = 'waiting' | 'running' | 'swapped' | 'done';

export interface SequenceInit {
  id: number;
  promptTokens: number[];
  sampling: SamplingParams;
  salt: string;
  sessionId?: string;
  returnLogits: boolean;
  emit: (ev: GenerationEvent) => void;
  now: number;
}

export class Sequence {
  readonly id: number;
  /** Prompt plus every sampled token. */
  readonly tokens: number[];
  readonly promptLen: number;
  readonly sampling: SamplingParams;
  readonly salt: string;
  readonly sessionId: string | undefined;
  readonly returnLogits: boolean;
  readonly rng: Prng;
  readonly stop: StopMatcher;
  readonly emit: (ev: GenerationEvent) => void;
  state: SequenceState = 'waiting';
  /** Tokens whose K/V is in `blocks`. */
  computed = 0;
  /** Physical blocks, logical order. */
  blocks: number[] = [];
  /** Baseline mode: blocks reserved at admission and not yet used. */
  reserve: number[] = [];
  /** Prefix-cache keys of the full blocks registered so far (a hash chain, prefix-cache.ts). */
  keys: string[] = [];
  /** Offload handles of the blocks while swapped out. */
  swapped: number[] = [];
  sampledCount = 0;
  cachedTokens = 0;
  cancelled = false;
  /** Admission order; the youngest running sequence is preempted first. */
  admitOrder = 0;
  lastRun = -1;
  /** Logits of sampled tokens that the stop matcher still holds back (returnLogits only). */
  heldLogits: Float32Array[] = [];
  readonly timings: Omit<RequestTimings, 'finishedAt'>;

  constructor(init: SequenceInit) {
    this.id = init.id;
    this.tokens = [...init.promptTokens];
    this.promptLen = init.promptTokens.length;
    this.sampling = init.sampling;
    this.salt = init.salt;
    this.sessionId = init.sessionId;
    this.returnLogits = init.returnLogits;
    this.emit = init.emit;
    // A request without a seed still gets a PRNG of its own; the seed is drawn here, not shared.
    this.rng = new Prng(init.sampling.seed ?? Math.floor(Math.random() * 2 ** 52));
    this.stop = new StopMatcher(init.sampling.stop);
    this.timings = { queuedAt: init.now, preemptions: 0 };
  }

  pending(): number {
    return this.tokens.length - this.computed;
  }

  /** Blocks needed to hold `tokens` positions. */
  static blocksFor(tokens: number, blockSize: number): number {
    return Math.ceil(tokens / blockSize);
  }
}
