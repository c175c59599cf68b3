/**
 * The dev provider's stand-in for a Nitro PCR: SHA-256 over what would be in the enclave image, so
 * that a change to the code or the model changes the measurement a client pins.
 *
 *   measurement = SHA-256( for each file, sorted by path:  path || 0x00 || SHA-256(contents) || 0x0A
 *                          then for each model digest, sorted:  "model:" || digest || 0x0A )
 *
 * Paths are relative to the root they were found under, so the value does not depend on where the
 * checkout lives. Only regular files with the listed extensions count (no caches, no logs).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface MeasureInput {
  /** The directory the paths are relative to (the repository root). */
  base: string;
  /** Directories (relative to base) whose files are measured: e.g. gateway, enclave, shared. */
  dirs: readonly string[];
  extensions?: readonly string[];
  /** `sha256:<hex>` or hex digests of the model files served. */
  modelDigests: readonly string[];
}

function walk(dir: string, exts: readonly string[], out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, exts, out);
    else if (st.isFile() && exts.some((e) => name.endsWith(e))) out.push(p);
  }
}

export function devMeasurement(input: MeasureInput): string {
  const exts = input.extensions ?? ['.ts', '.json'];
  const files: string[] = [];
  for (const d of input.dirs) walk(join(input.base, d), exts, files);
  const rel = files.map((f) => relative(input.base, f).split('\\').join('/')).sort();
  const h = createHash('sha256');
  for (const r of rel) {
    h.update(r).update(Buffer.of(0));
    h.update(
      createHash('sha256')
        .update(readFileSync(join(input.base, r)))
        .digest(),
    );
    h.update('\n');
  }
  for (const d of [...input.modelDigests].sort()) h.update(`model:${d}\n`);
  return h.digest('hex');
}
