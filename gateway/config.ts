/**
 * The gateway's configuration: one typed, frozen object built once at start from defaults, then the
 * environment, then command-line flags (each later source wins). Every problem is listed at once,
 * and `redactedConfig` is what gets logged (upstream URLs may carry credentials).
 */
import { type OptionSpec, parseDuration, parseInteger, readOptions } from './options.ts';
import { readShaping, SHAPING_DEFAULTS, SHAPING_OPTION_SPECS, type ShapingConfig } from './shaping/config.ts';

/** An allow-listed upstream: inner requests for `origin` are sent to `url` (a base URL). */
export interface UpstreamTarget {
  /** Serialised origin as seen in inner requests, e.g. `https://vllm.internal`. */
  readonly origin: string;
  /** Where the gateway actually connects, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** Key store file (see gateway/keys/store.ts). */
  readonly keysFile: string;
  /** Inner requests for `https://<name>/...` go to the built-in target. */
  readonly name: string;
  /**
   * The built-in target: `builtin` (the enclave's inference API with the default built-in model),
   * `echo` (gateway/echo-target.ts, no model), or `none` (upstreams only).
   */
  readonly model: string;
  readonly targets: readonly UpstreamTarget[];
  /** Generate a new key this often (null: only on SIGHUP / restart). */
  readonly rotateEveryMs: number | null;
  /** How long a replaced key keeps decrypting after a newer one is published. */
  readonly graceMs: number;
  /** `Cache-Control: max-age` of `GET /ohttp-keys`; must not exceed the grace period. */
  readonly keysMaxAgeS: number;
  /** Largest encapsulated request body (bytes), and largest inner request body. */
  readonly maxBodyBytes: number;
  /** Requests in progress at once; beyond it, an encrypted 503 with Retry-After. */
  readonly maxConcurrent: number;
  /** Per-request deadline, from decryption to the last byte of the answer. */
  readonly requestTimeoutMs: number;
  /** On SIGTERM, how long open streams may take to finish. */
  readonly drainTimeoutMs: number;
  /** RFC 9458 6.5: accepted distance between the inner Date and the gateway's clock. */
  readonly dateWindowMs: number;
  readonly logLevel: string;
  /** Padding, the time grid and constant-rate streams (gateway/shaping, docs/privacy.md). */
  readonly shaping: ShapingConfig;
}

export const DEFAULTS: GatewayConfig = Object.freeze({
  host: '127.0.0.1',
  port: 8082,
  keysFile: '',
  name: 'tacit.local',
  model: 'builtin',
  targets: Object.freeze([]),
  rotateEveryMs: null,
  graceMs: 15 * 60_000,
  keysMaxAgeS: 300,
  maxBodyBytes: 1 << 20,
  maxConcurrent: 64,
  requestTimeoutMs: 120_000,
  drainTimeoutMs: 10_000,
  dateWindowMs: 60_000,
  logLevel: 'info',
  shaping: SHAPING_DEFAULTS,
});

export const OPTION_SPECS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  host: { kind: 'string', env: 'TACIT_GATEWAY_HOST' },
  port: { kind: 'string', env: 'TACIT_GATEWAY_PORT' },
  keys: { kind: 'string', env: 'TACIT_GATEWAY_KEYS' },
  name: { kind: 'string', env: 'TACIT_GATEWAY_NAME' },
  model: { kind: 'string', env: 'TACIT_GATEWAY_MODEL' },
  target: { kind: 'list', env: 'TACIT_GATEWAY_TARGETS' },
  'rotate-every': { kind: 'string', env: 'TACIT_GATEWAY_ROTATE_EVERY' },
  grace: { kind: 'string', env: 'TACIT_GATEWAY_GRACE' },
  'keys-max-age': { kind: 'string', env: 'TACIT_GATEWAY_KEYS_MAX_AGE' },
  'max-body': { kind: 'string', env: 'TACIT_GATEWAY_MAX_BODY' },
  'max-concurrent': { kind: 'string', env: 'TACIT_GATEWAY_MAX_CONCURRENT' },
  timeout: { kind: 'string', env: 'TACIT_GATEWAY_TIMEOUT' },
  'drain-timeout': { kind: 'string', env: 'TACIT_GATEWAY_DRAIN_TIMEOUT' },
  'date-window': { kind: 'string', env: 'TACIT_GATEWAY_DATE_WINDOW' },
  'log-level': { kind: 'string', env: 'TACIT_LOG_LEVEL' },
  ...SHAPING_OPTION_SPECS,
});

/** Builds the configuration, or returns every error found. Pure: argv and env are parameters. */
export function buildConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  overrides: Partial<GatewayConfig> = {},
): { config: GatewayConfig; errors: [] } | { config: null; errors: string[] } {
  const { values, errors, positionals } = readOptions(OPTION_SPECS, argv, env);
  for (const p of positionals) errors.push(`unexpected argument '${p}'`);
  const c: { -readonly [K in keyof GatewayConfig]: GatewayConfig[K] } = { ...DEFAULTS, ...overrides };
  const str = (k: string): string | undefined => values[k] as string | undefined;

  if (str('host') !== undefined) c.host = str('host')!;
  if (str('port') !== undefined) {
    const n = parseInteger(str('port')!, 0, 65535);
    if (n === undefined) errors.push(`--port must be an integer 0..65535, got '${str('port')}'`);
    else c.port = n;
  }
  if (str('keys') !== undefined) c.keysFile = str('keys')!;
  if (c.keysFile === '') errors.push('--keys FILE is required (create one with `tacit keygen --out FILE`)');
  if (str('name') !== undefined) c.name = str('name')!;
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/i.test(c.name)) errors.push(`--name must be a host name`);
  if (str('model') !== undefined) c.model = str('model')!;
  if (!['builtin', 'echo', 'none'].includes(c.model)) errors.push(`--model must be builtin, echo or none`);

  const targets: UpstreamTarget[] = [...c.targets];
  for (const t of (values.target as string[] | undefined) ?? []) {
    const parsed = parseTarget(t);
    if (typeof parsed === 'string') errors.push(parsed);
    else if (parsed.origin === `https://${c.name.toLowerCase()}`)
      errors.push(`--target ${parsed.origin} is the built-in target's own name`);
    else targets.push(parsed);
  }
  c.targets = Object.freeze(targets);

  const duration = (flag: string, set: (ms: number) => void, min: number) => {
    const v = str(flag);
    if (v === undefined) return;
    const ms = parseDuration(v);
    if (ms === undefined || ms < min) errors.push(`--${flag} must be a duration of at least ${min} ms`);
    else set(ms);
  };
  duration('rotate-every', (ms) => (c.rotateEveryMs = ms), 1000);
  duration('grace', (ms) => (c.graceMs = ms), 0);
  duration('keys-max-age', (ms) => (c.keysMaxAgeS = Math.floor(ms / 1000)), 0);
  duration('timeout', (ms) => (c.requestTimeoutMs = ms), 1);
  duration('drain-timeout', (ms) => (c.drainTimeoutMs = ms), 0);
  duration('date-window', (ms) => (c.dateWindowMs = ms), 1000);
  const int = (flag: string, set: (n: number) => void, min: number, max: number) => {
    const v = str(flag);
    if (v === undefined) return;
    const n = parseInteger(v, min, max);
    if (n === undefined) errors.push(`--${flag} must be an integer ${min}..${max}`);
    else set(n);
  };
  int('max-body', (n) => (c.maxBodyBytes = n), 1024, 1 << 30);
  int('max-concurrent', (n) => (c.maxConcurrent = n), 1, 100_000);
  if (str('log-level') !== undefined) c.logLevel = str('log-level')!;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(c.logLevel))
    errors.push(`--log-level must be one of fatal, error, warn, info, debug, trace, silent`);

  // A client may hold a cached key configuration for max-age seconds: the old key must keep
  // decrypting at least that long after a rotation, or such clients get 422s.
  if (c.keysMaxAgeS * 1000 > c.graceMs) errors.push('--keys-max-age must not exceed --grace');
  if (c.rotateEveryMs !== null && c.rotateEveryMs < c.keysMaxAgeS * 1000)
    errors.push('--rotate-every must be at least --keys-max-age');

  c.shaping = readShaping(values, errors, c.shaping);
  if (errors.length > 0) return { config: null, errors };
  return { config: Object.freeze(c), errors: [] };
}

/** `ORIGIN=URL`: the origin inner requests name, and the base URL the gateway connects to. */
export function parseTarget(text: string): UpstreamTarget | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `--target must be ORIGIN=URL, got '${text}'`;
  let origin: URL;
  let url: URL;
  try {
    origin = new URL(text.slice(0, eq));
    url = new URL(text.slice(eq + 1));
  } catch {
    return `--target must be ORIGIN=URL with two absolute URLs`;
  }
  if (origin.origin === 'null' || origin.pathname !== '/' || origin.search !== '' || origin.username !== '')
    return `--target origin must be a bare origin such as https://api.example`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--target URL must be http(s)`;
  return Object.freeze({ origin: origin.origin, url: url.href.replace(/\/$/, '') });
}

/** The configuration as it may be logged: credentials and query strings of upstream URLs hidden. */
export function redactedConfig(c: GatewayConfig): Record<string, unknown> {
  return {
    ...c,
    targets: c.targets.map((t) => {
      const u = new URL(t.url);
      if (u.username !== '' || u.password !== '') {
        u.username = 'redacted';
        u.password = '';
      }
      if (u.search !== '') u.search = '?redacted';
      return { origin: t.origin, url: u.href };
    }),
  };
}
