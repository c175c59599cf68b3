/**
 * The table of relay settings: for each, its flag, environment variable, default and parser. The
 * config file uses the `key` names. Adding a setting is adding a row here and a field in RelayConfig.
 */

export interface RawGateway {
  name?: string;
  url: string;
  keysUrl?: string;
}

export type RawValue = string | number | string[] | RawGateway[];
export type RawSettings = Partial<Record<string, RawValue>>;

type Parser = (raw: RawValue, problems: string[], key: string) => unknown;

export interface Setting {
  key: string;
  flag?: string;
  env?: string;
  default?: RawValue;
  repeatable?: boolean;
  parse: Parser;
  help: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

function int(min: number, max: number): Parser {
  return (raw, problems, key) => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return n;
  };
}

function num(min: number, max: number): Parser {
  return (raw, problems, key) => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`${key} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return n;
  };
}

function oneOf(values: readonly string[]): Parser {
  return (raw, problems, key) => {
    if (typeof raw === 'string' && values.includes(raw)) return raw;
    problems.push(`${key} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    return undefined;
  };
}

const text: Parser = (raw, problems, key) => {
  if (typeof raw === 'string' && raw !== '') return raw;
  problems.push(`${key} must be a non-empty string`);
  return undefined;
};

const list: Parser = (raw, problems, key) => {
  const items = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
  if (Array.isArray(items) && items.every((s) => typeof s === 'string' && s !== '')) return [...items];
  problems.push(`${key} must be a list of strings`);
  return undefined;
};

const passthrough: Parser = (raw) => raw;

const HOUR_MS = 3_600_000;

export const SETTINGS: readonly Setting[] = [
  { key: 'config', flag: '--config', env: 'TACIT_RELAY_CONFIG', parse: text, help: 'JSON config file' },
  {
    key: 'host',
    flag: '--host',
    env: 'TACIT_RELAY_HOST',
    default: '127.0.0.1',
    parse: text,
    help: 'listen address',
  },
  {
    key: 'port',
    flag: '--port',
    env: 'TACIT_RELAY_PORT',
    parse: int(0, 65535),
    help: 'listen port (0: any free port)',
  },
  {
    key: 'gateways',
    flag: '--gateway',
    env: 'TACIT_RELAY_GATEWAYS',
    repeatable: true,
    parse: passthrough,
    help: 'URL or NAME=URL of a gateway (repeatable; the first is the default)',
  },
  {
    key: 'keysUrls',
    flag: '--keys-url',
    env: 'TACIT_RELAY_KEYS_URLS',
    repeatable: true,
    default: [],
    parse: passthrough,
    help: 'NAME=URL where that gateway serves its keys (default: same origin, /ohttp-keys)',
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body',
    env: 'TACIT_RELAY_MAX_BODY',
    default: MiB,
    parse: int(1, 64 * MiB),
    help: 'largest message/ohttp-req body',
  },
  {
    key: 'maxChunkedBodyBytes',
    flag: '--max-chunked-body',
    env: 'TACIT_RELAY_MAX_CHUNKED_BODY',
    default: 64 * MiB,
    parse: int(1, 2 ** 40),
    help: 'largest streamed request body',
  },
  {
    key: 'maxConcurrent',
    flag: '--max-concurrent',
    env: 'TACIT_RELAY_MAX_CONCURRENT',
    default: 1024,
    parse: int(1, 1_000_000),
    help: 'upstream requests in flight',
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'TACIT_RELAY_MAX_CONNECTIONS',
    default: 10_000,
    parse: int(1, 1_000_000),
    help: 'open client connections (more are closed at once)',
  },
  {
    key: 'ratePerSecond',
    flag: '--rate',
    env: 'TACIT_RELAY_RATE',
    default: 10,
    parse: num(0, 1e9),
    help: 'requests/s per client (0: no limit)',
  },
  {
    key: 'rateBurst',
    flag: '--burst',
    env: 'TACIT_RELAY_BURST',
    default: 40,
    parse: num(1, 1e9),
    help: 'burst per client',
  },
  {
    key: 'rateMaxClients',
    flag: '--rate-clients',
    env: 'TACIT_RELAY_RATE_CLIENTS',
    default: 100_000,
    parse: int(1, 10_000_000),
    help: 'client buckets kept',
  },
  {
    key: 'trustedProxies',
    flag: '--trusted-proxy',
    env: 'TACIT_RELAY_TRUSTED_PROXIES',
    repeatable: true,
    default: [],
    parse: list,
    help: 'peer address whose X-Forwarded-For names the client (repeatable)',
  },
  {
    key: 'headersTimeoutMs',
    flag: '--headers-timeout',
    env: 'TACIT_RELAY_HEADERS_TIMEOUT',
    default: 10_000,
    parse: int(1, HOUR_MS),
    help: 'ms to receive request headers',
  },
  {
    key: 'bodyTimeoutMs',
    flag: '--body-timeout',
    env: 'TACIT_RELAY_BODY_TIMEOUT',
    default: 30_000,
    parse: int(1, HOUR_MS),
    help: 'ms to receive a message/ohttp-req body',
  },
  {
    key: 'idleTimeoutMs',
    flag: '--idle-timeout',
    env: 'TACIT_RELAY_IDLE_TIMEOUT',
    default: 60_000,
    parse: int(1, HOUR_MS),
    help: 'ms a stream may stay silent both ways',
  },
  {
    key: 'keepAliveTimeoutMs',
    flag: '--keep-alive-timeout',
    env: 'TACIT_RELAY_KEEP_ALIVE_TIMEOUT',
    default: 5_000,
    parse: int(1, HOUR_MS),
    help: 'ms an idle client connection is kept',
  },
  {
    key: 'upstreamConnectTimeoutMs',
    flag: '--connect-timeout',
    env: 'TACIT_RELAY_CONNECT_TIMEOUT',
    default: 5_000,
    parse: int(1, HOUR_MS),
    help: 'ms to connect to a gateway',
  },
  {
    key: 'upstreamHeadersTimeoutMs',
    flag: '--upstream-timeout',
    env: 'TACIT_RELAY_UPSTREAM_TIMEOUT',
    default: 120_000,
    parse: int(1, HOUR_MS),
    help: "ms to the gateway's response headers",
  },
  {
    key: 'upstreamIdleTimeoutMs',
    flag: '--upstream-idle-timeout',
    env: 'TACIT_RELAY_UPSTREAM_IDLE_TIMEOUT',
    default: 60_000,
    parse: int(1, HOUR_MS),
    help: "ms between the gateway's body chunks",
  },
  {
    key: 'shutdownTimeoutMs',
    flag: '--shutdown-timeout',
    env: 'TACIT_RELAY_SHUTDOWN_TIMEOUT',
    default: 30_000,
    parse: int(0, HOUR_MS),
    help: 'ms open streams get to finish on SIGTERM',
  },
  {
    key: 'keysDefaultTtlSeconds',
    flag: '--keys-ttl',
    env: 'TACIT_RELAY_KEYS_TTL',
    default: 60,
    parse: int(0, 86_400),
    help: 's to cache keys sent without max-age',
  },
  {
    key: 'keysMaxTtlSeconds',
    flag: '--keys-max-ttl',
    env: 'TACIT_RELAY_KEYS_MAX_TTL',
    default: 86_400,
    parse: int(0, 7 * 86_400),
    help: 'cap on the keys cache lifetime (s)',
  },
  {
    key: 'healthWindowMs',
    flag: '--health-window',
    env: 'TACIT_RELAY_HEALTH_WINDOW',
    default: 60_000,
    parse: int(1, HOUR_MS),
    help: 'ms within which a gateway must have answered to count as up',
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'TACIT_RELAY_LOG_LEVEL',
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'silent']),
    help: 'pino log level',
  },
];

/** Usage lines for `tacit relay --help`, generated from the table so that they never drift. */
export function settingsHelp(): string {
  return SETTINGS.map((s) => {
    const def =
      s.default === undefined || (Array.isArray(s.default) && s.default.length === 0)
        ? ''
        : ` [${String(s.default)}]`;
    return `  ${`${s.flag} ...`.padEnd(28)} ${s.help}${def}  (env ${s.env})`;
  }).join('\n');
}
