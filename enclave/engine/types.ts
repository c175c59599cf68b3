/**
 * The engine's public interface, as the API (enclave/api) and the gateway see it. The engine runs in a
 * worker thread; this handle lives on the main thread and only speaks messages.
 */

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  /** 0 means off. */
  topK: number;
  /** 1 means off. */
  topP: number;
  /** Same seed, parameters and prompt give the same tokens. Absent: a random seed is chosen. */
  seed?: number;
  maxTokens: number;
  /** Token-id sequences that end generation (not included in the output). */
  stop: number[][];
}

export interface GenerateRequest {
  promptTokens: number[];
  sampling: SamplingParams;
  /** Agent session: its KV is kept (as evictable cache) between turns. */
  sessionId?: string;
  /**
   * Prefix-cache salt. Cross-tenant prefix hits are a timing side channel, so by default the API
   * passes a per-client-session salt; 'public' marks an operator-declared shared prefix.
   */
  cacheSalt?: string;
  signal?: AbortSignal;
  /** Testing aid: attach each sampled position's logits to its token event. */
  returnLogits?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error';

export interface Usage {
  promptTokens: number;
  /** Prompt tokens served from the prefix cache or a restored session. */
  cachedTokens: number;
  completionTokens: number;
}

/**
 * When a request passed each stage, in milliseconds since the Unix epoch with sub-millisecond
 * precision (`performance.timeOrigin + performance.now()` in the worker), so that the API can turn
 * them into TTFT / TPOT / inter-token histograms without its own clock skew.
 */
export interface RequestTimings {
  queuedAt: number;
  /** First admission to the running set (absent if it never ran). */
  admittedAt?: number;
  firstTokenAt?: number;
  finishedAt: number;
  /** Times this request was preempted. */
  preemptions: number;
}

export type GenerationEvent =
  | {
      type: 'token';
      id: number;
      /** When the token was sampled (epoch ms, see RequestTimings). */
      at?: number;
      /** Only with `returnLogits`: the logits the token was sampled from. */
      logits?: Float32Array;
    }
  | { type: 'done'; finishReason: FinishReason; usage: Usage; timings?: RequestTimings };

export type SessionState = 'active' | 'paused' | 'offloaded-host' | 'offloaded-disk' | 'closed';

export interface SessionInfo {
  id: string;
  state: SessionState;
  contextTokens: number;
  /** Milliseconds until the session is closed for inactivity, or null for none. */
  ttlMs: number | null;
}

export interface EngineStats {
  blocksTotal: number;
  blocksUsed: number;
  blocksCached: number;
  blocksFree: number;
  blockSize: number;
  prefixHits: number;
  offloads: number;
  restores: number;
  preemptions: { swap: number; recompute: number };
  queueDepth: number;
  runningSequences: number;
  /** Filled token slots of used blocks, shared blocks once (utilisation = kvTokens / (blocksUsed * blockSize)). */
  kvTokens?: number;
  /** Most sequences that ran at once since start. */
  peakRunning?: number;
  /** How many sequences of `contextTokens` the KV budget holds. */
  capacityAt(contextTokens: number): number;
}

export interface ModelInfo {
  id: string;
  /** sha256 of the model file, hex: what receipts and attestation manifests name. */
  digest: string;
  maxContext: number;
  vocabSize: number;
}

export interface Engine {
  readonly model: ModelInfo;
  /** Rejects with an EngineError('queue_full') when the queue limit is reached. */
  generate(req: GenerateRequest): AsyncIterable<GenerationEvent>;
  pauseSession(id: string): Promise<SessionInfo>;
  resumeSession(id: string): Promise<SessionInfo>;
  setSessionTtl(id: string, ttlMs: number | null): Promise<SessionInfo>;
  closeSession(id: string): Promise<void>;
  getSession(id: string): Promise<SessionInfo | undefined>;
  stats(): Promise<Omit<EngineStats, 'capacityAt'> & { capacityAt: Record<number, number> }>;
  close(): Promise<void>;
}

/** Options of `createEngine` (enclave/engine/engine.ts). Every field but the model has a default. */
export interface EngineOptions {
  /** A built-in model name ('tiny', 'small') or an exported model's path, as enclave/model loadModel takes. */
  model: string;
  /** KV pool budget in bytes (default 256 MiB). */
  kvMemoryBytes?: number;
  /** Host memory for offloaded KV before it spills, encrypted, to disk (default 1 GiB). */
  hostOffloadBytes?: number;
  /** Parent directory of the encrypted disk tier (default the OS temp directory). */
  offloadDir?: string;
  /** onnxruntime intra-op threads (default 1). */
  intraOpNumThreads?: number;
  /** Waiting requests before 'queue_full' (default 256). */
  queueLimit?: number;
  /** Tokens computed per step, decodes first (default 512). */
  tokenBudget?: number;
  /** Prompt tokens per prefill chunk (default 128). */
  prefillChunk?: number;
  /** Most prompt tokens in a step that also carries decodes (default 64): bounds inter-token gaps. */
  mixedPrefill?: number;
  /** Extra prompt tokens allowed per decode in such a step (default 1). */
  mixedPerDecode?: number;
  /** Most rows in one model run (default 64). */
  maxBatch?: number;
  /** Idle session lifetime in ms (default 30 min); null for none. */
  sessionTtlMs?: number | null;
  /** Running sequences at least this long are swapped out when preempted, shorter ones recomputed. */
  swapThresholdTokens?: number;
  /**
   * Baseline mode for benchmarks: reserve `maxContext` tokens of blocks per sequence at admission,
   * as a contiguous-allocation server would.
   */
  reserveMaxContext?: boolean;
  /** Context lengths reported by stats().capacityAt (default 512, 1024, 2048, maxContext). */
  capacityLengths?: number[];
  /** Most sequences running at once (default 256). */
  maxRunning?: number;
}

export type EngineErrorCode =
  | 'queue_full'
  | 'context_length_exceeded'
  | 'no_such_session'
  | 'closed'
  | 'internal';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}
