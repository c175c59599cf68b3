/** What every part of a running relay shares: configuration, limits, metrics, logger, counters. */
import type { Logger } from 'pino';
import type { RelayConfig } from './config.ts';
import type { RelayMetrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface RelayState {
  readonly config: RelayConfig;
  readonly metrics: RelayMetrics;
  readonly limiter: RateLimiter;
  readonly trusted: ReadonlySet<string>;
  readonly log: Logger;
  /** Upstream requests in flight (bounded by config.maxConcurrent). */
  inFlight: number;
  /** Set on shutdown: answers carry `Connection: close`. */
  closing: boolean;
  /** Called after every exchange ends (shutdown uses it to close connections as they go idle). */
  onExchangeEnd: (() => void) | undefined;
}
