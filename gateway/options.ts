/**
 * A small command-line and environment reader shared by the gateway's configuration: it collects
 * every problem instead of stopping at the first, so an operator sees all of them at once.
 */

export type OptionKind = 'string' | 'boolean' | 'list';

export interface OptionSpec {
  kind: OptionKind;
  /** Environment variable that supplies the value when the flag is absent (flags win). */
  env?: string;
}

export type RawOptions = Record<string, string | boolean | string[] | undefined>;

/**
 * Reads `--name value`, `--name=value` and boolean `--flag`; list options may repeat (and, from the
 * environment, are comma separated). Unknown flags and missing values are reported, not thrown.
 */
export function readOptions(
  specs: Readonly<Record<string, OptionSpec>>,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { values: RawOptions; errors: string[]; positionals: string[] } {
  const values: RawOptions = {};
  const errors: string[] = [];
  const positionals: string[] = [];
  // Defaults < environment < flags: the environment fills in first, flags overwrite it.
  for (const [name, spec] of Object.entries(specs)) {
    const v = spec.env === undefined ? undefined : env[spec.env];
    if (v === undefined || v === '') continue;
    if (spec.kind === 'list') values[name] = v.split(',').map((s) => s.trim());
    else if (spec.kind === 'boolean') values[name] = v === '1' || v.toLowerCase() === 'true';
    else values[name] = v;
  }
  const fromFlags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (spec === undefined) {
      errors.push(`unknown option --${name}`);
      continue;
    }
    if (spec.kind === 'boolean') {
      values[name] = eq === -1 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined) {
      errors.push(`--${name} needs a value`);
      continue;
    }
    if (spec.kind === 'list') {
      // A flag list replaces the environment's list rather than adding to it.
      const prev = fromFlags.has(name) ? (values[name] as string[]) : [];
      values[name] = [...prev, value];
      fromFlags.add(name);
    } else values[name] = value;
  }
  return { values, errors, positionals };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `30s`, `10m`, `1h`, `1d` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}

/** Parses a non-negative integer within [min, max]. */
export function parseInteger(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
