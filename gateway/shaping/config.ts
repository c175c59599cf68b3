/**
 * Shaping settings: plain strings and numbers (so the gateway's frozen configuration can be logged
 * as is), resolved into policies once at start. Every knob has an off position for measurement:
 * `--shaping off` turns all of it off, `none` switches off one policy, `--jitter 0` the jitter.
 *
 * Policy syntax (shared/padding): `none`, `padme`, `pow2:FLOOR`, `buckets:A,B,C`, `linear:STEP`.
 * Defaults are chosen from bench/leakage.ts (numbers and reasons in docs/privacy.md).
 */
import { buckets, none, type PaddingPolicy, padme, powerOfTwo } from '../../shared/padding/index.ts';
import { type OptionSpec, parseDuration, parseInteger, type RawOptions } from '../options.ts';
import { MAX_CELL, MIN_CELL } from './cells.ts';
import { linearGrid } from './grid.ts';
import type { StreamShaping } from './pace.ts';
import type { WholeShaping } from './whole.ts';

export interface ShapingConfig {
  /** Master switch: off sends answers as the target produced them (measurement only). */
  readonly enabled: boolean;
  /** Size policy of whole inner responses (bytes). */
  readonly padding: string;
  /** Latency grid of whole answers (milliseconds since decryption). */
  readonly grid: string;
  /** Uniform random delay on top of the grid point, at most this many ms. */
  readonly jitterMs: number;
  /** Plaintext bytes per streamed cell. */
  readonly cellSize: number;
  /** Milliseconds between streamed cells. */
  readonly tickMs: number;
  /** Policy rounding up the number of cells of a stream. */
  readonly cellCount: string;
  /** Content bytes a stream may hold before the target is slowed down. */
  readonly maxBacklog: number;
}

export const SHAPING_DEFAULTS: ShapingConfig = Object.freeze({
  enabled: true,
  padding: 'padme',
  grid: 'pow2:512',
  jitterMs: 0,
  cellSize: 1024,
  tickMs: 50,
  cellCount: 'pow2:32',
  maxBacklog: 1 << 20,
});

/** Everything off: what the target produced, as it produced it. */
export const SHAPING_OFF: ShapingConfig = Object.freeze({ ...SHAPING_DEFAULTS, enabled: false });

export const SHAPING_OPTION_SPECS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  shaping: { kind: 'string', env: 'TACIT_SHAPING' },
  padding: { kind: 'string', env: 'TACIT_SHAPING_PADDING' },
  grid: { kind: 'string', env: 'TACIT_SHAPING_GRID' },
  jitter: { kind: 'string', env: 'TACIT_SHAPING_JITTER' },
  'cell-size': { kind: 'string', env: 'TACIT_SHAPING_CELL_SIZE' },
  tick: { kind: 'string', env: 'TACIT_SHAPING_TICK' },
  'cell-count': { kind: 'string', env: 'TACIT_SHAPING_CELL_COUNT' },
});

/** Parses a policy; returns an error message for anything else. */
export function parsePolicy(text: string): PaddingPolicy | string {
  const [kind, arg] = text.trim().split(/:(.*)/s) as [string, string | undefined];
  const int = (s: string | undefined) => (s === undefined ? undefined : parseInteger(s, 1, 2 ** 40));
  switch (kind) {
    case 'none':
      return none;
    case 'padme':
      return padme;
    case 'pow2': {
      const floor = int(arg);
      return floor === undefined ? 'pow2 needs a floor: pow2:256' : powerOfTwo({ floor });
    }
    case 'linear': {
      const step = int(arg);
      return step === undefined ? 'linear needs a step: linear:250' : linearGrid(step);
    }
    case 'buckets': {
      const list = (arg ?? '').split(',').map(int);
      if (list.length === 0 || list.some((n) => n === undefined)) return 'buckets needs sizes: buckets:A,B,C';
      try {
        return buckets(list as number[]);
      } catch {
        return 'buckets must be strictly increasing';
      }
    }
    default:
      return `unknown policy '${text}' (none, padme, pow2:N, buckets:A,B, linear:N)`;
  }
}

/** Applies shaping flags (read with SHAPING_OPTION_SPECS) to `base`, listing every error. */
export function readShaping(values: RawOptions, errors: string[], base = SHAPING_DEFAULTS): ShapingConfig {
  const c: { -readonly [K in keyof ShapingConfig]: ShapingConfig[K] } = { ...base };
  const str = (k: string) => values[k] as string | undefined;
  const on = str('shaping');
  if (on !== undefined) {
    if (on === 'on' || on === 'off') c.enabled = on === 'on';
    else errors.push(`--shaping must be on or off`);
  }
  for (const [flag, key] of [
    ['padding', 'padding'],
    ['grid', 'grid'],
    ['cell-count', 'cellCount'],
  ] as const) {
    const v = str(flag);
    if (v === undefined) continue;
    const p = parsePolicy(v);
    if (typeof p === 'string') errors.push(`--${flag}: ${p}`);
    else c[key] = v;
  }
  const jitter = str('jitter');
  if (jitter !== undefined) {
    const ms = parseDuration(jitter);
    if (ms === undefined || ms > 60_000) errors.push('--jitter must be a duration up to 60s');
    else c.jitterMs = ms;
  }
  const tick = str('tick');
  if (tick !== undefined) {
    const ms = parseDuration(tick);
    if (ms === undefined || ms < 1 || ms > 10_000) errors.push('--tick must be a duration of 1ms..10s');
    else c.tickMs = ms;
  }
  const cell = str('cell-size');
  if (cell !== undefined) {
    const n = parseInteger(cell, MIN_CELL, MAX_CELL);
    if (n === undefined) errors.push(`--cell-size must be an integer ${MIN_CELL}..${MAX_CELL}`);
    else c.cellSize = n;
  }
  return Object.freeze(c);
}

export interface ResolvedShaping {
  readonly enabled: boolean;
  readonly whole: WholeShaping;
  readonly stream: StreamShaping;
}

/** The policies a configuration names (it was validated by `readShaping` or is a constant). */
export function resolveShaping(c: ShapingConfig): ResolvedShaping {
  const policy = (text: string) => {
    const p = parsePolicy(text);
    if (typeof p === 'string') throw new Error(p);
    return p;
  };
  return Object.freeze({
    enabled: c.enabled,
    whole: Object.freeze({ padding: policy(c.padding), grid: policy(c.grid), jitterMs: c.jitterMs }),
    stream: Object.freeze({
      cellSize: c.cellSize,
      tickMs: c.tickMs,
      cells: policy(c.cellCount),
      maxBacklog: c.maxBacklog,
    }),
  });
}
