/**
 * The transparency log read by an auditor written here from the specs alone (c2sp.org/signed-note,
 * c2sp.org/tlog-checkpoint, c2sp.org/tlog-tiles, RFC 6962 2.1), with node:crypto and fetch and none
 * of tacit's shared/ or client/ verification code: the checkpoint's Ed25519 signature verifies under
 * the key the attested manifest names, the tree rebuilt from the served level-0 tiles has the
 * checkpoint's root, every served entry hashes to its tile's leaf, every higher tile matches the
 * hashes below it, and every receipt a client received is in the log.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevAttester } from '../../enclave/attestation/index.ts';
import { buildConfig } from '../../gateway/config.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { fetchKeys, keyStoreFile, ohttp, type Send } from '../gateway/support/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'tacit-log-audit-'));
let gw: RunningGateway;
const received: string[] = [];
const REQUESTS = 300; // one full tile of 256 leaves and a partial one

beforeAll(async () => {
  const attester = await createDevAttester({
    measurement: 'cd'.repeat(32),
    platformKey: join(dir, 'platform.key'),
  });
  const keysFile = await keyStoreFile([3]);
  const { config, errors } = buildConfig(
    ['--keys', keysFile, '--port', '0', '--model', 'echo', '--shaping', 'off', '--max-concurrent', '64'],
    {},
  );
  if (config === null) throw new Error(errors.join('; '));
  gw = await startGateway({
    config,
    log: pino({ level: 'silent' }),
    trust: { dir: join(dir, 'state'), attester },
  });
  const send: Send = (path, init) => fetch(`${gw.url}${path}`, init);
  const [kc] = await fetchKeys(send);
  for (let i = 0; i < REQUESTS; i += 30) {
    const batch = Array.from({ length: Math.min(30, REQUESTS - i) }, (_, j) =>
      ohttp(send, kc!, { method: 'POST', url: 'https://tacit.local/echo', body: `audit ${i + j}` }),
    );
    for (const a of await Promise.all(batch)) {
      expect(a.status).toBe(200);
      received.push(a.headers.get('tacit-receipt')!);
    }
  }
}, 60_000);

afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

// --- RFC 6962 2.1 ---------------------------------------------------------------------------------

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const leafHash = (entry: Uint8Array) => sha256(Uint8Array.of(0), entry);
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(Uint8Array.of(1), l, r);

/** MTH(D[n]) by the recursive definition: split at the largest power of two below n. */
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

// --- c2sp.org/tlog-tiles paths --------------------------------------------------------------------

function tileIndex(n: number): string {
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

async function get(path: string): Promise<Uint8Array> {
  const r = await fetch(`${gw.url}/log/${path}`);
  expect(r.status, path).toBe(200);
  return new Uint8Array(await r.arrayBuffer());
}

/** The tiles of level `level` for a tree of `size` leaves: full ones, then the partial one if any. */
function tilesAt(level: number, size: number): { path: (kind: string) => string; width: number }[] {
  const nodes = Math.floor(size / 256 ** level);
  const out: { path: (kind: string) => string; width: number }[] = [];
  for (let n = 0; n * 256 < nodes; n++) {
    const width = Math.min(256, nodes - n * 256);
    const suffix = width === 256 ? '' : `.p/${width}`;
    out.push({ path: (kind) => `tile/${kind}/${tileIndex(n)}${suffix}`, width });
  }
  return out;
}

const split = (b: Uint8Array, size: number) =>
  Array.from({ length: b.length / size }, (_, i) => b.subarray(i * size, (i + 1) * size));

// --- c2sp.org/signed-note and tlog-checkpoint -----------------------------------------------------

function verifyNote(note: string, verifierKey: string): string[] {
  // <name>+<hex key hash>+<base64 key>: the name has no '+', the standard base64 may.
  const first = verifierKey.indexOf('+');
  const second = verifierKey.indexOf('+', first + 1);
  const name = verifierKey.slice(0, first);
  const keyHashHex = verifierKey.slice(first + 1, second);
  const key = Buffer.from(verifierKey.slice(second + 1), 'base64');
  expect(key[0]).toBe(0x01); // Ed25519
  const at = note.indexOf('\n\n');
  const text = note.slice(0, at + 1);
  const sigLines = note
    .slice(at + 2)
    .split('\n')
    .filter((l) => l !== '');
  const expectedHash = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), key]))
    .digest()
    .subarray(0, 4);
  expect(expectedHash.toString('hex')).toBe(keyHashHex);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]);
  const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const ours = sigLines
    .map((l) => /^\u2014 (\S+) (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
    .map((m) => Buffer.from(m[2]!, 'base64'))
    .filter((sig) => sig.subarray(0, 4).equals(expectedHash));
  expect(ours.length).toBe(1);
  expect(verify(null, Buffer.from(text), pub, ours[0]!.subarray(4))).toBe(true);
  return text.trimEnd().split('\n');
}

describe('an independent log auditor', () => {
  it('verifies the checkpoint, rebuilds the tree from tiles, and finds every receipt', async () => {
    // The log key comes from the attested manifest (the binding itself is the SDK's to check).
    const att = (await (await fetch(`${gw.url}/attestation?nonce=${'A'.repeat(16)}`)).json()) as {
      manifest: string;
    };
    const manifest = JSON.parse(Buffer.from(att.manifest, 'base64url').toString()) as {
      log: { origin: string; key: string };
    };
    const note = new TextDecoder().decode(await get('checkpoint'));
    const [origin, sizeText, rootB64] = verifyNote(note, manifest.log.key);
    expect(origin).toBe(manifest.log.origin);
    const size = Number(sizeText);
    expect(size).toBeGreaterThanOrEqual(REQUESTS);

    const leaves: Uint8Array[] = [];
    const entries: string[] = [];
    for (const t of tilesAt(0, size)) {
      const tile = split(await get(t.path('0')), 32);
      expect(tile.length).toBe(t.width);
      const bundle = await get(t.path('entries'));
      let at = 0;
      for (const leaf of tile) {
        const len = (bundle[at]! << 8) | bundle[at + 1]!;
        const entry = bundle.subarray(at + 2, at + 2 + len);
        at += 2 + len;
        expect(Buffer.from(leafHash(entry)).equals(Buffer.from(leaf))).toBe(true);
        entries.push(Buffer.from(entry).toString('latin1'));
      }
      expect(at).toBe(bundle.length);
      leaves.push(...tile);
    }
    expect(leaves.length).toBe(size);
    expect(Buffer.from(mth(leaves)).toString('base64')).toBe(rootB64);

    // Level 1: each hash is the root of a full 256-leaf subtree of level 0.
    for (const [n, t] of tilesAt(1, size).entries()) {
      const tile = split(await get(t.path('1')), 32);
      for (const [i, h] of tile.entries()) {
        const start = (n * 256 + i) * 256;
        expect(Buffer.from(h).equals(Buffer.from(mth(leaves.slice(start, start + 256))))).toBe(true);
      }
    }

    // A receipt is its log entry plus the salt the log leaves out.
    const logged = new Set(entries);
    for (const field of received) expect(logged.has(field.slice(0, field.lastIndexOf('.')))).toBe(true);
  });
});
