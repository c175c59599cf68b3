/**
 * `npm run fuzz [-- <target> [cases]]`: feeds random and mutated bytes to every decoder, a million
 * cases each by default, and fails on anything but the project's typed errors. Not part of CI.
 * Each target is a file `test/fuzz/<target>.ts` exporting `targets: FuzzTarget[]`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isTacitError } from '../../shared/errors.ts';
import { rng } from '../support/rng.ts';

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate from (flips, truncations, splices); random bytes are tried too. */
  seeds: Uint8Array[];
  /** Must return or throw a TacitError; anything else is a finding. */
  run(input: Uint8Array): unknown | Promise<unknown>;
}

function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
  const out = seed.slice();
  switch (Math.floor(rnd() * 4)) {
    case 0:
      if (out.length > 0) out[Math.floor(rnd() * out.length)]! ^= 1 << Math.floor(rnd() * 8);
      return out;
    case 1:
      return out.subarray(0, Math.floor(rnd() * out.length));
    case 2: {
      const extra = new Uint8Array(Math.floor(rnd() * 8));
      for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rnd() * 256);
      const at = Math.floor(rnd() * (out.length + 1));
      const r = new Uint8Array(out.length + extra.length);
      r.set(out.subarray(0, at));
      r.set(extra, at);
      r.set(out.subarray(at), at + extra.length);
      return r;
    }
    default: {
      const r = new Uint8Array(Math.floor(rnd() * 64));
      for (let i = 0; i < r.length; i++) r[i] = Math.floor(rnd() * 256);
      return r;
    }
  }
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const [only, casesArg] = process.argv.slice(2);
const cases = Number(casesArg ?? 1_000_000);
let findings = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts')) {
  const { targets } = (await import(new URL(`./${file}`, import.meta.url).href)) as { targets: FuzzTarget[] };
  for (const t of targets) {
    if (only !== undefined && !t.name.startsWith(only)) continue;
    const rnd = rng(0x7ac17);
    const started = Date.now();
    for (let i = 0; i < cases; i++) {
      const seed = t.seeds[i % t.seeds.length] ?? new Uint8Array();
      const input = mutate(seed, rnd);
      try {
        await t.run(input);
      } catch (e) {
        if (!isTacitError(e)) {
          findings++;
          process.stderr.write(
            `${t.name}: case ${i}: ${String(e)}\n  input ${Buffer.from(input).toString('hex')}\n`,
          );
        }
      }
    }
    process.stdout.write(`${t.name}: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
process.stdout.write(findings === 0 ? 'fuzz: no findings\n' : `fuzz: ${findings} findings\n`);
process.exitCode = findings === 0 ? 0 : 1;
