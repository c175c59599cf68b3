/** Every TypeScript snippet in docs/sdk.md runs, as a program of its own, against a gateway. */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiStandIn } from './support/handlers.ts';
import { type MiniGateway, startMiniGateway } from './support/mini-gateway.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(`${root}docs/sdk.md`, 'utf8');
const snippets = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
// Inside the package, so that `tacit/client` resolves through package.json's exports (self-reference).
const dir = `${root}.cache/doc-snippets`;

let gw: MiniGateway;
beforeAll(async () => {
  gw = await startMiniGateway(openaiStandIn);
  mkdirSync(dir, { recursive: true });
});
afterAll(() => gw.close());

describe('docs/sdk.md', () => {
  it('has snippets', () => expect(snippets.length).toBeGreaterThanOrEqual(5));

  snippets.forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      const file = `${dir}/sdk-${i + 1}.ts`;
      writeFileSync(file, code);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
        env: { ...process.env, TACIT_RELAY: gw.gatewayUrl, TACIT_KEYS: gw.keysUrl },
        timeout: 30_000,
      });
      expect(stdout.length).toBeGreaterThan(0);
    });
  });
});
