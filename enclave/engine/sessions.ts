/**
 * Agent sessions: a conversation whose KV stays with the engine between turns. Between turns the
 * session holds its blocks; when it is paused (waiting for a tool or a person) or idle and memory is
 * short, the whole session is offloaded, tail first, to the offload store (host memory, then sealed
 * disk), and restored before its next turn. A new turn is the previous context plus new tokens, so
 * the common prefix of the stored tokens and the new prompt is reused and only the rest is computed.
 *
 * Offloading a block that another sequence also holds frees nothing, but it is copied anyway so that
 * the session can always be restored by itself; a keyed block is first looked up in the prefix cache
 * on restore, which skips the copy when it is still resident.
 */
import type { BlockPool } from './block-pool.ts';
import type { KvMemory } from './kv-memory.ts';
import type { OffloadStore } from './offload-store.ts';
import type { PrefixCache } from './prefix-cache.ts';
import type { SessionInfo, SessionState } from './types.ts';

export type Entry = { block: number } | { handle: number; key: string | undefined };

export interface KvContext {
  pool: BlockPool;
  cache: PrefixCache;
  kv: KvMemory;
  store: OffloadStore;
  blockSize: number;
}

export class Session {
  /** Tokens whose K/V the entries hold, in order. */
  tokens: number[] = [];
  entries: Entry[] = [];
  paused = false;
  /** Id of the sequence running this session's current turn. */
  turn: number | undefined;
  lastUsed: number;
  ttlMs: number | null;

  constructor(
    readonly id: string,
    now: number,
    ttlMs: number | null,
  ) {
    this.lastUsed = now;
    this.ttlMs = ttlMs;
  }

  /** Resident blocks only this session holds: what offloading it would give back to the pool. */
  exclusiveBlocks(pool: BlockPool): number {
    let n = 0;
    for (const e of this.entries) if ('block' in e && pool.refCount(e.block) === 1) n++;
    return n;
  }
}

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  offloads = 0;
  restores = 0;

  constructor(
    private readonly ctx: KvContext,
    private readonly defaultTtlMs: number | null,
  ) {}

  get size(): number {
    return this.sessions.size;
  }
  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }
  getOrCreate(id: string, now: number): Session {
    let s = this.sessions.get(id);
    if (s === undefined) {
      s = new Session(id, now, this.defaultTtlMs);
      this.sessions.set(id, s);
    }
    return s;
  }
  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  info(s: Session, now: number): SessionInfo {
    let state: SessionState = s.paused ? 'paused' : 'active';
    const { store } = this.ctx;
    if (s.entries.some((e) => 'handle' in e && store.tier(e.handle) === 'disk')) state = 'offloaded-disk';
    else if (s.entries.some((e) => 'handle' in e)) state = 'offloaded-host';
    const ttlMs =
      s.ttlMs === null || s.turn !== undefined ? s.ttlMs : Math.max(0, s.lastUsed + s.ttlMs - now);
    return { id: s.id, state, contextTokens: s.tokens.length, ttlMs };
  }

  /** Drops the session's blocks and stored entries and forgets it. */
  close(s: Session): void {
    this.drop(s, 0);
    this.sessions.delete(s.id);
  }

  /** Sessions whose idle time is past their TTL (not those in a turn). */
  expired(now: number): Session[] {
    return [...this.sessions.values()].filter(
      (s) => s.turn === undefined && s.ttlMs !== null && now - s.lastUsed >= s.ttlMs,
    );
  }

  /** Blocks that offloading every idle session except `exclude` would free. */
  offloadable(exclude?: Session): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (s !== exclude && s.turn === undefined) n += s.exclusiveBlocks(this.ctx.pool);
    }
    return n;
  }

  /**
   * Offloads whole idle sessions, paused ones first, least recently used first, until at least `want`
   * blocks were freed or none is left. Returns the blocks freed.
   */
  reclaim(want: number, exclude?: Session): number {
    const order = [...this.sessions.values()]
      .filter((s) => s !== exclude && s.turn === undefined && s.entries.some((e) => 'block' in e))
      .sort((a, b) => Number(b.paused) - Number(a.paused) || a.lastUsed - b.lastUsed);
    let freed = 0;
    for (const s of order) {
      if (freed >= want) break;
      freed += this.offload(s);
    }
    return freed;
  }

  /** Copies every resident block of `s` to the store, last block first, and releases it. */
  offload(s: Session): number {
    const { pool, kv, store } = this.ctx;
    let freed = 0;
    let moved = false;
    for (let i = s.entries.length - 1; i >= 0; i--) {
      const e = s.entries[i]!;
      if (!('block' in e)) continue;
      if (pool.refCount(e.block) === 1) freed++;
      const key = pool.keyOf(e.block);
      s.entries[i] = { handle: store.put(kv.readBlock(e.block)), key };
      pool.release(e.block);
      moved = true;
    }
    if (moved) this.offloads++;
    return freed;
  }

  /**
   * Releases entries from index `keep` on (blocks back to the pool, handles out of the store) and cuts
   * the tokens to what the kept entries hold.
   */
  drop(s: Session, keep: number): void {
    for (const e of s.entries.splice(keep)) {
      if ('block' in e) this.ctx.pool.release(e.block);
      else this.ctx.store.delete(e.handle);
    }
    s.tokens.length = Math.min(s.tokens.length, keep * this.ctx.blockSize);
  }

  /**
   * Brings every offloaded entry back into the pool. `alloc` hands out a block to follow `after`, the
   * entry before's block (it may reclaim other sessions, never this one); false if the pool ran out,
   * with the entries restored so far kept.
   */
  restore(s: Session, alloc: (after: number | undefined) => number | undefined): boolean {
    const { cache, kv, store } = this.ctx;
    let restored = false;
    for (let i = 0; i < s.entries.length; i++) {
      const e = s.entries[i]!;
      if ('block' in e) continue;
      let block = e.key === undefined ? undefined : cache.acquireOne(e.key);
      if (block === undefined) {
        const prev = s.entries[i - 1];
        block = alloc(prev !== undefined && 'block' in prev ? prev.block : undefined);
        if (block === undefined) return false;
        kv.writeBlock(block, store.get(e.handle));
        if (e.key !== undefined) cache.register(block, e.key);
      }
      store.delete(e.handle);
      s.entries[i] = { block };
      restored = true;
    }
    if (restored) this.restores++;
    return true;
  }

  /** Offloaded entries among the first `n`: blocks a restore of them would allocate at most. */
  offloadedAmong(s: Session, n: number): number {
    let k = 0;
    for (let i = 0; i < Math.min(n, s.entries.length); i++) if ('handle' in s.entries[i]!) k++;
    return k;
  }
}
