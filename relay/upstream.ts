/**
 * One connection pool per configured gateway, and the mapping of transport failures to statuses.
 *
 * The gateway URLs are the only origins the relay ever connects to: pools are made from the
 * configuration at start, and nothing a client sends selects anything but one of them by name.
 */
import { Pool } from 'undici';
import type { GatewayConfig, RelayConfig } from './config.ts';

export interface Upstream {
  readonly name: string;
  /** Path and query of the gateway URL, sent as the request target. */
  readonly path: string;
  readonly pool: Pool;
  readonly keysUrl: string;
  /** When the gateway last answered anything (ms since the epoch), for /healthz. */
  lastAnswerAt: number | undefined;
}

export function createUpstream(g: GatewayConfig, c: RelayConfig): Upstream {
  const url = new URL(g.url);
  const pool = new Pool(url.origin, {
    // In-flight requests are already bounded by maxConcurrent; one request per connection at a time
    // (no pipelining), so that one slow answer never holds up another client's.
    connections: c.maxConcurrent,
    pipelining: 1,
    connectTimeout: c.upstreamConnectTimeoutMs,
    headersTimeout: c.upstreamHeadersTimeoutMs,
    bodyTimeout: c.upstreamIdleTimeoutMs,
    keepAliveTimeout: 4_000,
  });
  return {
    name: g.name,
    path: `${url.pathname}${url.search}`,
    pool,
    keysUrl: g.keysUrl,
    lastAnswerAt: undefined,
  };
}

export interface Failure {
  status: 502 | 504;
  /** Metric label and log field: a fixed vocabulary, never an error message. */
  kind: 'timeout' | 'connect-timeout' | 'unreachable' | 'reset' | 'error';
  title: string;
}

/** RFC 9110 15.6.3 / 15.6.5: a gateway that fails is 502; one that does not answer in time is 504. */
export function classifyFailure(err: unknown): Failure {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { status: 504, kind: 'timeout', title: 'gateway timed out' };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { status: 504, kind: 'connect-timeout', title: 'gateway timed out' };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return { status: 502, kind: 'unreachable', title: 'gateway unreachable' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { status: 502, kind: 'reset', title: 'gateway connection failed' };
    default:
      return { status: 502, kind: 'error', title: 'bad gateway' };
  }
}
