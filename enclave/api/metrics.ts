/**
 * The inference API's metrics, on the shared registry (shared/metrics.ts). Latencies are observed
 * per request but aggregated into histograms with no per-request labels; engine counts (KV blocks,
 * prefix hits, offloads, restores, preemptions, queue depth) are read from `engine.stats()` at
 * scrape time, so they are exactly the engine's own numbers.
 */
import { LATENCY_BUCKETS, Registry } from '../../shared/metrics.ts';
import type { Engine } from '../engine/types.ts';

/** Per-token latencies are small: 100 us to 5 s. */
const TOKEN_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
];

export type Endpoint = 'chat' | 'completions';

export function createApiMetrics(registry: Registry = new Registry()) {
  const m = {
    registry,
    requests: registry.counter(
      'tacit_requests_total',
      'Inference requests answered, by endpoint and status.',
      {
        labelNames: ['endpoint', 'status'],
      },
    ),
    cancelled: registry.counter('tacit_requests_cancelled_total', 'Requests whose client went away.'),
    ttft: registry.histogram(
      'tacit_time_to_first_token_seconds',
      'Time from request to first token.',
      LATENCY_BUCKETS,
    ),
    tpot: registry.histogram(
      'tacit_time_per_output_token_seconds',
      'Mean time per output token after the first, per request.',
      TOKEN_BUCKETS,
    ),
    itl: registry.histogram(
      'tacit_inter_token_latency_seconds',
      'Time between consecutive tokens.',
      TOKEN_BUCKETS,
    ),
    e2e: registry.histogram(
      'tacit_request_duration_seconds',
      'Time from request to last token.',
      LATENCY_BUCKETS,
    ),
    promptTokens: registry.counter('tacit_prompt_tokens_total', 'Prompt tokens processed.'),
    cachedTokens: registry.counter('tacit_prompt_tokens_cached_total', 'Prompt tokens served from cache.'),
    outputTokens: registry.counter('tacit_generation_tokens_total', 'Tokens generated.'),
    kvBlocks: registry.gauge('tacit_kv_blocks', 'KV cache blocks by state.', { labelNames: ['state'] }),
    kvBlockSize: registry.gauge('tacit_kv_block_size_tokens', 'Tokens per KV block.'),
    prefixHits: registry.counter(
      'tacit_prefix_cache_hits_total',
      'Requests that reused cached prefix blocks.',
    ),
    offloads: registry.counter(
      'tacit_kv_offloads_total',
      'Idle sessions whose KV was moved out of the pool.',
    ),
    restores: registry.counter('tacit_kv_restores_total', 'Sessions whose KV was brought back.'),
    preemptions: registry.counter('tacit_preemptions_total', 'Running sequences preempted, by kind.', {
      labelNames: ['kind'],
    }),
    queueDepth: registry.gauge('tacit_queue_depth', 'Requests waiting for a slot.'),
    running: registry.gauge('tacit_running_sequences', 'Sequences being decoded.'),
  };
  return m;
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/** Copies the engine's counts into the registry and renders it. */
export async function scrape(m: ApiMetrics, engine: Engine): Promise<string> {
  const s = await engine.stats();
  m.kvBlocks.set(s.blocksUsed, { state: 'used' });
  m.kvBlocks.set(s.blocksCached, { state: 'cached' });
  m.kvBlocks.set(s.blocksFree, { state: 'free' });
  m.kvBlockSize.set(s.blockSize);
  m.prefixHits.setTotal(s.prefixHits);
  m.offloads.setTotal(s.offloads);
  m.restores.setTotal(s.restores);
  m.preemptions.setTotal(s.preemptions.swap, { kind: 'swap' });
  m.preemptions.setTotal(s.preemptions.recompute, { kind: 'recompute' });
  m.queueDepth.set(s.queueDepth);
  m.running.set(s.runningSequences);
  return m.registry.render();
}

/** Wall-clock milliseconds since the Unix epoch, sub-millisecond: the engine's timestamps use it too. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * Times one request's tokens: TTFT from the request's arrival, then every gap, then TPOT at the end.
 * Uses the engine's own sampling time of each token when it reports one (`at`), so that the message
 * hop from the worker does not blur the inter-token histogram; else the time the API saw it.
 */
export class TokenTimer {
  private first = -1;
  private last = -1;
  private count = 0;

  constructor(
    private readonly m: ApiMetrics,
    /** Epoch ms when the request arrived. */
    private readonly start: number,
    private readonly now: () => number = epochMs,
  ) {}

  token(at?: number): void {
    const t = at ?? this.now();
    if (this.first < 0) {
      this.first = t;
      this.m.ttft.observe(Math.max(0, t - this.start) / 1000);
    } else {
      this.m.itl.observe(Math.max(0, t - this.last) / 1000);
    }
    this.last = t;
    this.count++;
  }

  done(): void {
    if (this.count >= 2) this.m.tpot.observe((this.last - this.first) / 1000 / (this.count - 1));
    if (this.count >= 1) this.m.e2e.observe(Math.max(0, this.last - this.start) / 1000);
  }
}
