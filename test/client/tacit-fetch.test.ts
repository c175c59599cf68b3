/** `tacit fetch` as a real process against a gateway built from shared/. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echo } from './support/handlers.ts';
import { type MiniGateway, startMiniGateway } from './support/mini-gateway.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/tacit.js', import.meta.url).pathname;

async function tacit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'fetch', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let gw: MiniGateway;
beforeAll(async () => {
  gw = await startMiniGateway(echo);
});
afterAll(() => gw.close());

describe('tacit fetch', () => {
  it('prints the status line, headers, a blank line and the body', async () => {
    const r = await tacit([
      '--relay',
      gw.gatewayUrl,
      '--keys',
      gw.keysUrl,
      '-H',
      'x-a: b',
      '-d',
      'hi',
      'https://tacit.local/p?status=404',
    ]);
    expect(r.code).toBe(0);
    const [head, body] = r.stdout.split('\n\n');
    expect(head!.split('\n')[0]).toBe('HTTP 404 Not Found');
    expect(head).toMatch(/^x-echo: 1$/m);
    const seen = JSON.parse(body!) as { method: string; body: string; headers: Record<string, string> };
    expect(seen).toMatchObject({ method: 'POST', body: 'hi' });
    expect(seen.headers['x-a']).toBe('b');
  });

  it('prints one JSON object with --json, and streams with --stream', async () => {
    for (const extra of [['--json'], ['--json', '--stream']]) {
      const r = await tacit([
        '--relay',
        gw.gatewayUrl,
        '--keys',
        gw.keysUrl,
        ...extra,
        '-X',
        'PUT',
        'https://tacit.local/j',
      ]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { status: number; headers: Record<string, string>; body: string };
      expect(out.status).toBe(200);
      expect(out.headers['content-type']).toMatch(/json/);
      expect((JSON.parse(out.body) as { method: string }).method).toBe('PUT');
    }
  });

  it('exits 1 with a one-line reason when the relay cannot be reached', async () => {
    const r = await tacit([
      '--relay',
      'http://127.0.0.1:1/relay',
      '--keys',
      gw.keysUrl,
      'https://tacit.local/',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ERR_TRANSPORT/);
  });

  it('exits 2 on bad usage', async () => {
    const r = await tacit(['https://tacit.local/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--relay is required/);
  });
});
