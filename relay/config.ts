/**
 * The relay's configuration: one typed, frozen object built once at start from, in rising precedence,
 * built-in defaults < a JSON config file < environment variables < command-line flags.
 *
 * Every source is first reduced to the same flat `RawSettings` shape (strings or numbers as given);
 * `buildRelayConfig` then validates the merged result and reports every problem at once, so that an
 * operator fixes a configuration in one pass instead of one error per restart.
 */
import { readFileSync } from 'node:fs';
import { TacitError } from '../shared/errors.ts';
import { type RawGateway, type RawSettings, SETTINGS, type Setting } from './settings.ts';

export interface GatewayConfig {
  /** Routes `POST /relay/<name>`; the first gateway also serves `POST /relay`. */
  readonly name: string;
  /** Where encapsulated requests are forwarded. The only kind of destination the relay ever contacts. */
  readonly url: string;
  /** Where the gateway's key configuration list is fetched (default: same origin, `/ohttp-keys`). */
  readonly keysUrl: string;
}

export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  readonly gateways: readonly GatewayConfig[];
  /** Largest `message/ohttp-req` body (bytes); 413 beyond it. */
  readonly maxBodyBytes: number;
  /** Largest total `message/ohttp-chunked-req` body (bytes); the stream is cut beyond it. */
  readonly maxChunkedBodyBytes: number;
  /** Upstream requests in flight across all clients; 503 when full. */
  readonly maxConcurrent: number;
  /**
   * Client connections open at once; a connection beyond it is closed as soon as it is accepted,
   * before a byte is read, so that a flood of idle sockets cannot use up file descriptors or memory.
   */
  readonly maxConnections: number;
  /** Token bucket per client address: refill rate (requests/s; 0 disables) and bucket size. */
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  /** Bound on the number of client buckets kept (least recently used are dropped). */
  readonly rateMaxClients: number;
  /** Peers whose `X-Forwarded-For` names the client for rate limiting (a load balancer in front). */
  readonly trustedProxies: readonly string[];
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamHeadersTimeoutMs: number;
  readonly upstreamIdleTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** Key configuration lifetime when the gateway sends no `Cache-Control` max-age, and the cap on it. */
  readonly keysDefaultTtlSeconds: number;
  readonly keysMaxTtlSeconds: number;
  /** A gateway counts as healthy if it answered within this window. */
  readonly healthWindowMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

export interface ConfigSources {
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Contents of the config file, already parsed; when absent the file named by --config/env is read. */
  file?: Record<string, unknown>;
}

/** Every configuration problem, listed at once. */
export class ConfigError extends TacitError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('ERR_INVALID_ARGUMENT', `invalid relay configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

export function buildRelayConfig(sources: ConfigSources): RelayConfig {
  const problems: string[] = [];
  const flags = fromArgv(sources.argv ?? [], problems);
  const env = fromEnv(sources.env ?? {}, problems);
  const fileName = (flags.config ?? env.config) as string | undefined;
  let file: RawSettings = {};
  if (sources.file !== undefined) file = fromFile(sources.file, problems);
  else if (fileName !== undefined) file = fromFile(readJson(fileName, problems), problems);
  const merged: RawSettings = { ...file, ...env, ...flags };
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.key === 'config' || s.key === 'keysUrls') continue;
    const raw = merged[s.key] ?? s.default;
    if (raw === undefined) {
      problems.push(`${s.key} is required (${s.flag ?? s.key})`);
      continue;
    }
    const v = s.parse(raw, problems, s.key);
    if (v !== undefined) out[s.key] = v;
  }
  const gateways = resolveGateways(merged.gateways as RawGateway[] | undefined, merged.keysUrls, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({ ...out, gateways }) as unknown as RelayConfig;
}

/** The configuration as it may be logged: credentials and query strings of URLs are hidden. */
export function redactedConfig(c: RelayConfig): Record<string, unknown> {
  return {
    ...c,
    gateways: c.gateways.map((g) => ({ name: g.name, url: redactUrl(g.url), keysUrl: redactUrl(g.keysUrl) })),
  };
}

export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.username !== '' || url.password !== '') {
      url.username = 'redacted';
      url.password = '';
    }
    if (url.search !== '') url.search = '?redacted';
    return url.href;
  } catch {
    return 'invalid-url';
  }
}

function fromArgv(argv: readonly string[], problems: string[]): RawSettings {
  const out: RawSettings = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const s = SETTINGS.find((x) => x.flag === flag);
    if (s === undefined) {
      problems.push(`unknown option ${flag}`);
      // Skip its value too, so that one mistake is reported once.
      if (flag === arg && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    let value: string | undefined;
    if (flag !== arg) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) {
      problems.push(`${flag} needs a value`);
      continue;
    }
    addValue(out, s, value);
  }
  return out;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>, problems: string[]): RawSettings {
  const out: RawSettings = {};
  for (const s of SETTINGS) {
    const v = s.env === undefined ? undefined : env[s.env];
    if (v === undefined || v === '') continue;
    if (s.repeatable) {
      for (const part of v.split(',')) if (part.trim() !== '') addValue(out, s, part.trim());
    } else addValue(out, s, v);
  }
  void problems;
  return out;
}

function fromFile(json: Record<string, unknown>, problems: string[]): RawSettings {
  const out: RawSettings = {};
  for (const [k, v] of Object.entries(json)) {
    if (k === 'gateways') {
      if (!Array.isArray(v)) {
        problems.push('config file: gateways must be an array');
        continue;
      }
      out.gateways = v.map((g, i) => {
        if (typeof g === 'string') return parseGatewayArg(g);
        if (g !== null && typeof g === 'object') return g as RawGateway;
        problems.push(`config file: gateways[${i}] must be a URL string or an object`);
        return { url: '' };
      });
      continue;
    }
    const s = SETTINGS.find((x) => x.key === k);
    if (s === undefined || s.key === 'config' || s.key === 'keysUrls') {
      problems.push(`config file: unknown setting ${k}`);
      continue;
    }
    out[s.key] = v as string | number | string[];
  }
  return out;
}

function addValue(out: RawSettings, s: Setting, value: string): void {
  if (s.key === 'gateways') {
    out.gateways = [...((out.gateways as RawGateway[] | undefined) ?? []), parseGatewayArg(value)];
  } else if (s.repeatable) {
    out[s.key] = [...((out[s.key] as string[] | undefined) ?? []), value];
  } else out[s.key] = value;
}

/** `URL` or `NAME=URL`. A URL never starts with `name=`, since a scheme has no `=`. */
function parseGatewayArg(v: string): RawGateway {
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)=(.*)$/.exec(v);
  return m === null ? { url: v } : { name: m[1]!, url: m[2]! };
}

function resolveGateways(
  raw: RawGateway[] | undefined,
  keysUrls: unknown,
  problems: string[],
): GatewayConfig[] {
  if (raw === undefined || raw.length === 0) {
    problems.push('at least one gateway is required (--gateway URL or --gateway NAME=URL)');
    return [];
  }
  const keyOverrides = new Map<string, string>();
  for (const k of (keysUrls as string[] | undefined) ?? []) {
    const g = parseGatewayArg(k);
    if (g.name === undefined) problems.push(`--keys-url needs NAME=URL, got ${redactUrl(k)}`);
    else keyOverrides.set(g.name, g.url);
  }
  const seen = new Set<string>();
  const out: GatewayConfig[] = [];
  raw.forEach((g, i) => {
    const name = g.name ?? (i === 0 ? 'default' : `gateway${i}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name) || name === 'ohttp-keys') {
      problems.push(`gateway name ${JSON.stringify(name)} is not allowed (letters, digits, _ and -)`);
    }
    if (seen.has(name)) problems.push(`gateway name ${name} is used twice`);
    seen.add(name);
    const url = checkHttpUrl(g.url, `gateway ${name} URL`, problems);
    const keysRaw = keyOverrides.get(name) ?? g.keysUrl;
    keyOverrides.delete(name);
    let keysUrl = '';
    if (keysRaw !== undefined) keysUrl = checkHttpUrl(keysRaw, `gateway ${name} keys URL`, problems);
    else if (url !== '') keysUrl = new URL('/ohttp-keys', url).href;
    out.push({ name, url, keysUrl });
  });
  for (const name of keyOverrides.keys()) problems.push(`--keys-url names unknown gateway ${name}`);
  return out;
}

function checkHttpUrl(v: unknown, what: string, problems: string[]): string {
  if (typeof v !== 'string') {
    problems.push(`${what} must be a string`);
    return '';
  }
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${what} must be http or https`);
    else if (u.hash !== '') problems.push(`${what} must not have a fragment`);
    else return u.href;
  } catch {
    problems.push(`${what} is not a URL: ${redactUrl(v)}`);
  }
  return '';
}

function readJson(path: string, problems: string[]): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`config file ${path}: must hold a JSON object`);
  } catch (e) {
    problems.push(`config file ${path}: ${(e as Error).message}`);
  }
  return {};
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
