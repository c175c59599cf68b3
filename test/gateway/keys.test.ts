import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../gateway/keys/ring.ts';
import {
  emptyStore,
  freeKeyId,
  generateKey,
  parseStore,
  readStore,
  writeStore,
} from '../../gateway/keys/store.ts';
import { isTacitError } from '../../shared/errors.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'tacit-keys-'));

describe('key store file', () => {
  it('round-trips through an atomic write with mode 0600', async () => {
    const path = join(dir(), 'keys.json');
    const store = emptyStore();
    store.keys.push(await generateKey({ keyId: 7 }));
    writeStore(path, store);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readStore(path)).toEqual(store);
  });

  it('refuses what is not a tacit key store, with typed errors only', () => {
    for (const text of ['', 'nope', '{}', '{"format":"tacit-ohttp-keys","version":2,"keys":[]}', '[1]']) {
      let err: unknown;
      try {
        parseStore(text);
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err)).toBe(true);
    }
  });

  it('refuses a store with a bad entry or a duplicate key id', async () => {
    const k = await generateKey({ keyId: 1 });
    const dup = { format: 'tacit-ohttp-keys', version: 1, keys: [k, k] };
    expect(() => parseStore(JSON.stringify(dup))).toThrow(/twice/);
    const bad = { format: 'tacit-ohttp-keys', version: 1, keys: [{ ...k, publicKey: 'AAAA' }] };
    expect(() => parseStore(JSON.stringify(bad))).toThrow(/entry/);
  });

  it('a missing file is an empty store only when allowed', () => {
    const path = join(dir(), 'none.json');
    expect(readStore(path, true).keys).toEqual([]);
    expect(() => readStore(path)).toThrow(/cannot read/);
  });

  it('generates every KEM with the chosen AEAD', async () => {
    for (const kem of [0x20, 0x10, 0x11]) {
      const k = await generateKey({ keyId: 3, kem, aead: 3 });
      expect(k.kem).toBe(kem);
      expect(k.suites).toEqual([{ kdf: 1, aead: 3 }]);
    }
    expect((await generateKey({ keyId: 3 })).suites.length).toBe(3);
  });

  it('finds a free key id after the last one, wrapping, never a held one', () => {
    expect(freeKeyId([], -1)).toBe(0);
    expect(freeKeyId([0, 1, 2], 1)).toBe(3);
    expect(freeKeyId([255, 0], 254)).toBe(1);
    expect(() => freeKeyId(Array.from({ length: 256 }, (_, i) => i))).toThrow();
  });
});

describe('key ring rotation', () => {
  it('publishes the new key, keeps the old one decrypting through grace, then drops it', async () => {
    const ring = new KeyRing(10_000);
    const store = emptyStore();
    store.keys.push(await generateKey({ keyId: 1 }));
    await ring.load(store, 0);
    expect(ring.active().map((k) => k.stored.keyId)).toEqual([1]);
    const fresh = await ring.rotate(1000);
    expect(fresh.stored.keyId).toBe(2);
    expect(ring.active().map((k) => k.stored.keyId)).toEqual([2]);
    expect(ring.get(1, 10_999)).toBeDefined();
    expect(ring.get(1, 11_000)).toBeUndefined();
    expect(ring.counts(5000)).toEqual({ active: 1, grace: 1 });
    ring.prune(11_000);
    expect(ring.toStore().keys.map((k) => k.keyId)).toEqual([2]);
  });

  it('persists grace keys with their retireAt, and reloading keeps them in grace', async () => {
    const ring = new KeyRing(10_000);
    const store = emptyStore();
    store.keys.push(await generateKey({ keyId: 9 }));
    await ring.load(store, 0);
    await ring.rotate(0);
    const saved = ring.toStore();
    expect(saved.keys.find((k) => k.keyId === 9)?.retireAt).toBe(new Date(10_000).toISOString());
    const again = new KeyRing(10_000);
    await again.load(saved, 5000);
    expect(again.active().map((k) => k.stored.keyId)).toEqual([10]);
    expect(again.get(9, 5000)).toBeDefined();
  });

  it('on reload, a key that vanished from the store enters grace instead of disappearing', async () => {
    const ring = new KeyRing(60_000);
    const a = emptyStore();
    a.keys.push(await generateKey({ keyId: 1 }));
    await ring.load(a, 0);
    const b = emptyStore();
    b.keys.push(await generateKey({ keyId: 2 }));
    const r = await ring.load(b, 1000);
    expect(r).toEqual({ added: 1, retired: 1, refused: [] });
    expect(ring.active().map((k) => k.stored.keyId)).toEqual([2]);
    expect(ring.get(1, 60_999)).toBeDefined();
    expect(ring.get(1, 61_000)).toBeUndefined();
  });

  it('refuses a reloaded key that reuses a live key id with a different key', async () => {
    const ring = new KeyRing(60_000);
    const a = emptyStore();
    a.keys.push(await generateKey({ keyId: 1 }));
    await ring.load(a, 0);
    const before = ring.get(1, 0)!.stored.publicKey;
    const b = emptyStore();
    b.keys.push(await generateKey({ keyId: 1 }));
    expect((await ring.load(b, 1)).refused).toEqual([1]);
    expect(ring.get(1, 1)!.stored.publicKey).toBe(before);
  });

  it('never reuses a key id that still decrypts, across many rotations', async () => {
    const ring = new KeyRing(3000);
    const store = emptyStore();
    store.keys.push(await generateKey({ keyId: 0 }));
    await ring.load(store, 0);
    for (let t = 1; t <= 300; t++) {
      const live = new Set(ring.live(t * 1000).map((k) => k.stored.keyId));
      const fresh = await ring.rotate(t * 1000);
      expect(live.has(fresh.stored.keyId)).toBe(false);
      ring.prune(t * 1000);
    }
  });
});
