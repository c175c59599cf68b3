/**
 * GET /metrics: Prometheus text with the engine's counts and the API's latency histograms, and no
 * per-request labels.
 */
import { describe, expect, it } from 'vitest';
import { chat, setup } from './support/app.ts';
import { bytesOf } from './support/byte-codec.ts';

describe('GET /metrics', () => {
  it('exposes engine counts and latency histograms after a request', async () => {
    const { app, post } = setup({ script: () => bytesOf('abc'), cachedTokens: 2 });
    await post('/v1/chat/completions', chat('x'));
    await post('/v1/chat/completions', chat('x', { model: 'nope' }));
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const line of [
      'tacit_kv_blocks{state="used"} 10',
      'tacit_kv_blocks{state="cached"} 20',
      'tacit_kv_blocks{state="free"} 70',
      'tacit_kv_block_size_tokens 16',
      'tacit_prefix_cache_hits_total 3',
      'tacit_kv_offloads_total 4',
      'tacit_kv_restores_total 5',
      'tacit_preemptions_total{kind="swap"} 6',
      'tacit_preemptions_total{kind="recompute"} 7',
      'tacit_queue_depth 2',
      'tacit_running_sequences 1',
      'tacit_requests_total{endpoint="chat",status="200"} 1',
      'tacit_time_to_first_token_seconds_count 1',
      'tacit_inter_token_latency_seconds_count 2',
      'tacit_time_per_output_token_seconds_count 1',
      'tacit_prompt_tokens_total 4',
      'tacit_prompt_tokens_cached_total 2',
      'tacit_generation_tokens_total 3',
    ]) {
      expect(text.split('\n'), line).toContain(line);
    }
    // Validation failures never reach the engine, so they are not inference requests here.
    expect(text).not.toContain('status="404"');
    // Labels are only the declared bounded ones.
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(['endpoint', 'kind', 'le', 'state', 'status']);
  });

  it('can be turned off', async () => {
    const { app } = setup({}, { metricsRoute: false });
    expect((await app.request('/metrics')).status).toBe(404);
  });
});
