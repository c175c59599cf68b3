/**
 * The key ring: the gateway's live keys and their rotation (RFC 9458 3, and its advice that key
 * configurations change over time without stranding clients that fetched an older list).
 *
 * A key is `active` (published at /ohttp-keys and decrypting) or in `grace` (decrypting until its
 * `retireAt`, no longer published). Rotation publishes a new key and moves the previous active keys to
 * grace, so a request encapsulated to a cached configuration still decrypts; after the grace period
 * the old key is dropped. Key ids are one byte; a new key never takes an id that a live key holds,
 * so a key id never means two keys while an old one can still decrypt.
 */
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { importServerKey, type ServerKey } from '../../shared/keys/index.ts';
import {
  freeKeyId,
  generateKey,
  type KeyStore,
  STORE_FORMAT,
  STORE_VERSION,
  type StoredKey,
  toOhttpKey,
} from './store.ts';

export interface LiveKey {
  readonly stored: StoredKey;
  /** Imported on the node:crypto backend, ready for decapsulation. */
  readonly server: ServerKey;
  /** ms since the epoch; null while active. */
  readonly retireAt: number | null;
}

export class KeyRing {
  #keys = new Map<number, LiveKey>();
  #lastId = -1;
  /** Bumped on every change, so derived data (the published list) can be cached by version. */
  version = 0;

  constructor(readonly graceMs: number) {}

  /** Active keys, in key id order: what /ohttp-keys publishes. */
  active(): LiveKey[] {
    return [...this.#keys.values()]
      .filter((k) => k.retireAt === null)
      .sort((a, b) => a.stored.keyId - b.stored.keyId);
  }

  /** Every key that still decrypts at `now`. */
  live(now: number): LiveKey[] {
    return [...this.#keys.values()].filter((k) => k.retireAt === null || k.retireAt > now);
  }

  get(keyId: number, now: number): LiveKey | undefined {
    const k = this.#keys.get(keyId);
    return k !== undefined && (k.retireAt === null || k.retireAt > now) ? k : undefined;
  }

  counts(now: number): { active: number; grace: number } {
    const live = this.live(now);
    const active = live.filter((k) => k.retireAt === null).length;
    return { active, grace: live.length - active };
  }

  /** Drops keys whose grace period is over. */
  prune(now: number): boolean {
    let changed = false;
    for (const [id, k] of this.#keys) {
      if (k.retireAt !== null && k.retireAt <= now) {
        this.#keys.delete(id);
        changed = true;
      }
    }
    if (changed) this.version++;
    return changed;
  }

  /**
   * Makes the ring match a store read from disk (start, SIGHUP). Keys in the store are taken as
   * they are; a live key that has vanished from the store is not dropped at once but enters grace,
   * so an operator's edit never strands requests in flight. A store entry that reuses the id of a
   * different live key is refused (the old key keeps its id until it retires).
   */
  async load(store: KeyStore, now: number): Promise<{ added: number; retired: number; refused: number[] }> {
    const next = new Map<number, LiveKey>();
    const refused: number[] = [];
    let added = 0;
    for (const s of store.keys) {
      const retireAt = s.retireAt === undefined ? null : Date.parse(s.retireAt);
      if (retireAt !== null && retireAt <= now) continue;
      const current = this.#keys.get(s.keyId);
      if (current !== undefined && current.stored.publicKey !== s.publicKey) {
        refused.push(s.keyId);
        continue;
      }
      const server = current?.server ?? (await importServerKey(toOhttpKey(s), nodePrimitives));
      if (current === undefined) added++;
      next.set(s.keyId, { stored: s, server, retireAt });
    }
    let retired = 0;
    for (const [id, k] of this.#keys) {
      if (next.has(id)) continue;
      const retireAt = k.retireAt ?? now + this.graceMs;
      if (retireAt > now) next.set(id, { ...k, retireAt });
      if (k.retireAt === null) retired++;
    }
    for (const id of refused) next.set(id, this.#keys.get(id)!);
    this.#keys = next;
    this.#lastId = Math.max(this.#lastId, ...next.keys());
    this.version++;
    return { added, retired, refused };
  }

  /**
   * Rotation: a fresh key (same KEM and suites as the newest active key, unless given) becomes the
   * only active key; the previous active keys decrypt until now + grace.
   */
  async rotate(now: number, opts: { kem?: number; aead?: number } = {}): Promise<LiveKey> {
    const newest = this.active().at(-1);
    const keyId = freeKeyId(this.#keys.keys(), this.#lastId);
    const stored = await generateKey({
      keyId,
      kem: opts.kem ?? newest?.stored.kem,
      aead: opts.aead ?? newest?.stored.suites[0]?.aead,
      now: new Date(now),
    });
    const fresh: LiveKey = {
      stored,
      server: await importServerKey(toOhttpKey(stored), nodePrimitives),
      retireAt: null,
    };
    for (const [id, k] of this.#keys) {
      if (k.retireAt === null) this.#keys.set(id, { ...k, retireAt: now + this.graceMs });
    }
    this.#keys.set(keyId, fresh);
    this.#lastId = keyId;
    this.version++;
    return fresh;
  }

  /** The ring as a store to persist (retired keys carry their `retireAt`). */
  toStore(): KeyStore {
    const keys = [...this.#keys.values()]
      .sort((a, b) => a.stored.keyId - b.stored.keyId)
      .map((k) => {
        const { retireAt: _ignored, ...rest } = k.stored;
        return k.retireAt === null ? rest : { ...rest, retireAt: new Date(k.retireAt).toISOString() };
      });
    return { format: STORE_FORMAT, version: STORE_VERSION, keys };
  }
}
