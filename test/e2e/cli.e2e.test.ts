/** The README's first command: `tacit start`, then `tacit chat` against it; and `tacit keygen`. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/tacit.js', import.meta.url).pathname;
const run = promisify(execFile);

async function tacit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('tacit keygen', () => {
  it('creates a 0600 store, extends it, and refuses a taken id or a file that is not a store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tacit-cli-'));
    const out = join(dir, 'keys.json');
    expect((await tacit(['keygen', '--out', out])).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const second = await tacit(['keygen', '--out', out, '--kem', 'p256', '--aead', 'chacha20poly1305']);
    expect(JSON.parse(second.stdout)).toMatchObject({ keyId: 1, kem: 'p256', keys: 2 });
    expect(second.stdout).not.toMatch(/privateKey/);
    expect((await tacit(['keygen', '--out', out, '--key-id', '1'])).code).toBe(1);
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'my notes');
    expect((await tacit(['keygen', '--out', other])).code).toBe(1);
    expect(readFileSync(other, 'utf8')).toBe('my notes');
    const bad = await tacit(['keygen', '--kem', 'rsa']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out FILE is required/);
    expect(bad.stderr).toMatch(/--kem must be one of/);
  });
});

describe('tacit start, then tacit chat', () => {
  it('serves a chat through relay and gateway with fresh keys, streamed and not, and stops on Ctrl-C', async () => {
    const start = spawn(process.execPath, [bin, 'start', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => start.once('exit', (code) => r(code)));
    try {
      let out = '';
      const relay = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start banner: ${out}`)), 30_000);
        start.stdout!.on('data', (d) => {
          out += d;
          const m = /relay\s+(http:\/\/127\.0\.0\.1:\d+\/relay)/.exec(out);
          if (m !== null && out.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(out).toMatch(/tacit\.js chat --stream/);
      const plain = await tacit(['chat', '--relay', relay, '--max-tokens', '8', 'Hello']);
      expect(plain.stderr).toBe('');
      expect(plain.code).toBe(0);
      const streamed = await tacit(['chat', '--stream', '--relay', relay, '--max-tokens', '8', 'Hello']);
      expect(streamed.code).toBe(0);
      expect(streamed.stdout.length).toBeGreaterThan(0);
    } finally {
      start.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
