/**
 * Crash safety, end to end: a real `tacit gateway` process (echo target, dev attestation, receipts,
 * transparency log) takes a load of 600 requests from the SDK with a strict trust policy and is
 * killed with SIGKILL in the middle of it. Restarted on the same state directory, its log verifies
 * from its entry bundles (root recomputed from every entry), its checkpoint is consistent with one
 * the client saw before the crash, and every receipt a client received (and verified) is in the log
 * at its index, byte for byte, with an inclusion proof from tiles.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.ts';
import type { ClientReceipt } from '../../client/verify/attach.ts';
import { LogFollower } from '../../client/verify/log.ts';
import { equalBytes, hexToBytes } from '../../shared/bytes.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { leafHash } from '../../shared/merkle/hash.ts';
import { merkleRoot } from '../../shared/merkle/tree.ts';
import { decodeEntryBundle } from '../../shared/tlog/entries.ts';
import { entriesPath, TILE_WIDTH } from '../../shared/tlog/tile.ts';
import { type Proc, spawnTacit } from '../e2e/support/processes.ts';
import { keyStoreFile } from '../gateway/support/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'tacit-crash-'));
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function gateway(keys: string): Promise<{ proc: Proc; url: string }> {
  const env = { ...process.env, TACIT_ATTESTATION: 'dev', TACIT_TRUST_DIR: join(dir, 'trust') };
  const saved = process.env;
  process.env = env; // spawnTacit inherits the environment
  try {
    const proc = await spawnTacit(
      [
        'gateway',
        '--keys',
        keys,
        '--model',
        'echo',
        '--port',
        '0',
        '--shaping',
        'off',
        '--log-level',
        'info',
      ],
      (l) => l.msg === 'gateway listening',
    );
    procs.push(proc);
    return { proc, url: proc.readyLine.url as string };
  } finally {
    process.env = saved;
  }
}

describe('gateway crash under load', () => {
  it('loses no receipt a client received when the gateway is killed with SIGKILL', async () => {
    const keys = await keyStoreFile();
    let gw = await gateway(keys);
    const platform = hexToBytes(readFileSync(join(dir, 'trust', 'dev-platform.key.pub'), 'utf8').trim());
    const client = createClient({
      relay: `${gw.url}/gateway`,
      keys: `${gw.url}/ohttp-keys`,
      primitives: nodePrimitives,
      trust: {
        attestation: `${gw.url}/attestation`,
        log: `${gw.url}/log/`,
        provider: 'dev',
        devPlatformKey: platform,
      },
    });
    const follower = (await client.trust!.log())!;

    const received: ClientReceipt[] = [];
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (sent < 600) {
        const i = sent++;
        try {
          const res = await client.fetch('https://tacit.local/echo', {
            method: 'POST',
            body: `request ${i}`,
          });
          await res.arrayBuffer();
          received.push(await (res as Response & { receipt: Promise<ClientReceipt> }).receipt);
        } catch {
          // the gateway is gone: no receipt reached the client for this one
        }
        if (!killed && received.length === 100) await follower.refresh();
        if (!killed && received.length >= 250) {
          killed = true;
          gw.proc.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(killed).toBe(true);
    expect(received.length).toBeGreaterThanOrEqual(250);
    const before = follower.latest!;
    expect(before.size).toBeGreaterThanOrEqual(100);

    gw = await gateway(keys);
    const key = JSON.parse(
      new TextDecoder().decode(
        Buffer.from(
          ((await (await fetch(`${gw.url}/attestation?nonce=AAAAAAAAAAA`)).json()) as { manifest: string })
            .manifest,
          'base64url',
        ),
      ),
    ).log as { origin: string; key: string };
    const after = new LogFollower(`${gw.url}/log/`, key, fetch, before);
    const cp = await after.refresh(); // signed by the same log key, consistent with the pre-crash checkpoint
    expect(cp.size).toBeGreaterThanOrEqual(received.length);

    // The log verifies: every entry bundle, hashed, gives the checkpoint's root.
    const entries: Uint8Array[] = [];
    for (let n = 0; n * TILE_WIDTH < cp.size; n++) {
      const width = Math.min(TILE_WIDTH, cp.size - n * TILE_WIDTH);
      const res = await fetch(`${gw.url}/log/${entriesPath(n, width)}`);
      entries.push(...decodeEntryBundle(new Uint8Array(await res.arrayBuffer())));
    }
    expect(entries.length).toBe(cp.size);
    expect(equalBytes(await merkleRoot(await Promise.all(entries.map(leafHash))), cp.root)).toBe(true);

    // Every receipt a client received is in the log at its index; the last ones proved from tiles.
    for (const r of received) expect(equalBytes(entries[r.receipt.logIndex]!, r.logEntry)).toBe(true);
    for (const r of received.slice(-20)) await after.proveInclusion(r);
  });
});
