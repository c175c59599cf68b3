/**
 * The gateway's Prometheus metrics. Every label is a small closed set (an outcome, a target kind,
 * a key state): never anything that identifies a request, a client, a key id or a model prompt.
 */
import { Registry } from '../shared/metrics.ts';

/** Every way a request to POST /gateway can end; one label value each. */
export const OUTCOMES = [
  'ok',
  'unsupported_media_type',
  'unknown_key',
  'decrypt_failed',
  'too_large',
  'bad_inner_request',
  'stale',
  'replay',
  'busy',
  'forbidden',
  'upstream_error',
  'timeout',
  'cancelled',
  'draining',
  'internal',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type TargetKind = 'builtin' | 'upstream';

export function createGatewayMetrics() {
  const registry = new Registry();
  const requests = registry.counter('tacit_gateway_requests_total', 'Requests to POST /gateway by outcome.', {
    labelNames: ['outcome'],
  });
  // Pre-create every outcome so a dashboard sees zeros rather than missing series.
  for (const o of OUTCOMES) requests.inc(0, { outcome: o });
  const m = {
    registry,
    requests,
    decryptFailures: registry.counter(
      'tacit_gateway_decrypt_failures_total',
      'Encapsulated requests that did not decrypt (or did not parse before decryption).',
    ),
    replaysRefused: registry.counter(
      'tacit_gateway_replays_refused_total',
      'Decrypted requests refused because their encapsulated key was already seen (RFC 9458 6.5).',
    ),
    staleRefused: registry.counter(
      'tacit_gateway_stale_refused_total',
      'Decrypted requests refused because their Date was missing or outside the window (RFC 9458 6.5).',
    ),
    targetSeconds: registry.histogram(
      'tacit_gateway_target_seconds',
      'Time from dispatch to the target until its response head, by target kind.',
      undefined,
      { labelNames: ['target'] },
    ),
    openStreams: registry.gauge(
      'tacit_gateway_open_streams',
      'Responses still being streamed (chunked OHTTP or streamed bodies).',
    ),
    inFlight: registry.gauge('tacit_gateway_in_flight', 'Requests admitted and not yet finished.'),
    keys: registry.gauge('tacit_gateway_keys', 'Key configurations by state.', { labelNames: ['state'] }),
    replayCacheEntries: registry.gauge(
      'tacit_gateway_replay_cache_entries',
      'Encapsulated keys remembered for replay defence.',
    ),
    rotations: registry.counter('tacit_gateway_key_rotations_total', 'Key rotations and reloads.'),
  };
  m.keys.set(0, { state: 'active' });
  m.keys.set(0, { state: 'grace' });
  return m;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
