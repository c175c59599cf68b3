/**
 * The layout rules of docs/architecture.md, enforced: arrows only point down the "may import" table.
 * The protocol core never imports a server, a server never imports another server, the engine knows
 * nothing of HTTP encryption, and shared/ and client/ run in browsers (no node: imports).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('..', import.meta.url).pathname);

const rules: Record<string, { mayImport: string[]; node: boolean }> = {
  shared: { mayImport: ['shared'], node: false },
  client: { mayImport: ['shared', 'client'], node: false },
  relay: { mayImport: ['shared', 'relay'], node: true },
  enclave: { mayImport: ['shared', 'enclave'], node: true },
  gateway: { mayImport: ['shared', 'gateway', 'enclave/index.ts'], node: true },
};

/** The one Node-only file in shared/: the node:crypto HPKE primitives, imported only by Node entry points. */
const nodeOnlyShared = new Set(['shared/hpke/primitives-node.ts']);

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2])!);
  return specs;
}

describe('layout: what may import what', () => {
  for (const [folder, rule] of Object.entries(rules)) {
    it(`${folder}/ imports only ${rule.mayImport.join(', ')}${rule.node ? '' : ' and nothing from node:'}`, () => {
      const violations: string[] = [];
      for (const file of tsFiles(join(root, folder))) {
        const rel = relative(root, file);
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          if (spec.startsWith('.')) {
            const target = relative(root, resolve(file, '..', spec));
            const ok = rule.mayImport.some(
              (allowed) => target === allowed || target.startsWith(`${allowed}/`),
            );
            if (!ok) violations.push(`${rel} -> ${target}`);
            if (nodeOnlyShared.has(target) && (folder === 'shared' || folder === 'client')) {
              violations.push(`${rel} -> ${target} (Node-only)`);
            }
          } else if (
            !rule.node &&
            (spec.startsWith('node:') || spec === 'undici' || spec.startsWith('hono'))
          ) {
            if (!nodeOnlyShared.has(rel)) violations.push(`${rel} -> ${spec}`);
          }
        }
      }
      expect(violations).toEqual([]);
    });
  }
});
