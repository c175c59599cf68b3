/**
 * Crash safety of the transparency log over real processes: a trust server takes a load of several
 * hundred receipt requests and is killed with SIGKILL in the middle of it. After a restart on the same
 * state directory the log verifies from its tiles and entry bundles (root recomputed from every
 * entry), its checkpoint is consistent with one seen before the crash, and every receipt a client
 * received is included, at its index, byte for byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFollower } from '../../client/verify/log.ts';
import { equalBytes, utf8 } from '../../shared/bytes.ts';
import { leafHash } from '../../shared/merkle/hash.ts';
import { merkleRoot } from '../../shared/merkle/tree.ts';
import { decodeReceiptField, receiptLogEntry } from '../../shared/receipt/field.ts';
import { decodeEntryBundle } from '../../shared/tlog/entries.ts';
import { entriesPath, TILE_WIDTH } from '../../shared/tlog/tile.ts';
import { ORIGIN } from './support/harness.ts';

const script = new URL('./support/trust-server.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tacit-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ child, base: `http://127.0.0.1:${JSON.parse(buf.slice(0, nl)).port}` });
    });
    child.once('exit', (code) => reject(new Error(`trust server exited ${code}`)));
  });
}

async function logKey(base: string): Promise<string> {
  const res = await fetch(`${base}/attestation?nonce=AAAAAAAAAAA`);
  const { manifest } = (await res.json()) as { manifest: string };
  return (JSON.parse(utf8.decode(Buffer.from(manifest, 'base64url'))) as { log: { key: string } }).log.key;
}

describe('transparency log crash test', () => {
  it('loses no acknowledged receipt when killed with SIGKILL under load', async () => {
    let server = await startServer();
    const key = await logKey(server.base);
    const follower = new LogFollower(`${server.base}/log/`, { origin: ORIGIN, key }, fetch);

    const received: string[] = [];
    let sent = 0;
    let killed = false;
    const TOTAL = 600;
    const worker = async () => {
      while (sent < TOTAL) {
        const i = sent++;
        try {
          const res = await fetch(`${server.base}/answer`, {
            method: 'POST',
            body: `request ${i}\0response ${i}`,
          });
          if (res.status === 200) received.push(await res.text());
        } catch {
          // the server is gone: this request was never acknowledged
        }
        if (!killed && received.length === 100) await follower.refresh();
        if (!killed && received.length >= 250) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(killed).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(250);
    const before = follower.latest!;
    expect(before.size).toBeGreaterThanOrEqual(100);

    server = await startServer();
    const after = new LogFollower(`${server.base}/log/`, { origin: ORIGIN, key }, fetch, before);
    const cp = await after.refresh(); // consistent with the checkpoint seen before the crash
    expect(cp.size).toBeGreaterThanOrEqual(received.length);

    // The log verifies: every entry bundle, hashed, gives the checkpoint's root.
    const entries: Uint8Array[] = [];
    for (let n = 0; n * TILE_WIDTH < cp.size; n++) {
      const width = Math.min(TILE_WIDTH, cp.size - n * TILE_WIDTH);
      const res = await fetch(`${server.base}/log/${entriesPath(n, width)}`);
      entries.push(...decodeEntryBundle(new Uint8Array(await res.arrayBuffer())));
    }
    expect(entries.length).toBe(cp.size);
    expect(equalBytes(await merkleRoot(await Promise.all(entries.map(leafHash))), cp.root)).toBe(true);

    // Every receipt a client received is in the log at its index, with a proof from tiles.
    for (const field of received) {
      const s = decodeReceiptField(field);
      const entry = receiptLogEntry(s.canonical, s.signature);
      expect(equalBytes(entries[s.receipt.logIndex]!, entry)).toBe(true);
    }
    for (const field of received.slice(-20)) {
      const s = decodeReceiptField(field);
      const entry = receiptLogEntry(s.canonical, s.signature);
      await after.proveInclusion({
        receipt: s.receipt,
        field,
        logEntry: entry,
        leafHash: await leafHash(entry),
      });
    }
    server.child.kill('SIGKILL');
  });
});
