/**
 * The engine core: one loop over the paged KV pool. Each `step()` expires idle sessions, drops
 * cancelled requests (their blocks are free at the next step), swaps preempted sequences back in,
 * admits waiting requests while free + evictable blocks allow, plans the step (scheduler.ts), finds
 * blocks for every planned row (evicting cached blocks, offloading idle sessions, and as a last resort
 * preempting the youngest running sequence), runs the model and samples.
 *
 * It runs inside the worker (worker.ts) but has no thread or message code of its own, so that tests
 * can drive it directly with a fake model. Admission policy (when a sequence may start and which
 * blocks it starts with) is admission.ts; the block arithmetic stats() reports is kv-accounting.ts;
 * the options are core-options.ts.
 */
import { Admission } from './admission.ts';
import { BlockPool } from './block-pool.ts';
import { type CoreOptions, DEFAULT_CORE } from './core-options.ts';
import {
  type BlockBudget,
  type BlockFill,
  blocksHeld,
  kvTokensInUse,
  sequencesThatFit,
} from './kv-accounting.ts';
import { blocksForBudget, KvMemory } from './kv-memory.ts';
import { OffloadStore } from './offload-store.ts';
import { PrefixCache } from './prefix-cache.ts';
import type { ModelRunner, RunRow } from './runner.ts';
import { sample } from './sampler.ts';
import { planStep } from './scheduler.ts';
import { Sequence } from './sequence.ts';
import { type KvContext, type Session, SessionTable } from './sessions.ts';
import {
  EngineError,
  type EngineStats,
  type FinishReason,
  type GenerateRequest,
  type GenerationEvent,
  type SessionInfo,
} from './types.ts';

export type CoreRequest = Omit<GenerateRequest, 'signal'>;
export type CoreStats = Omit<EngineStats, 'capacityAt'> & { capacityAt: Record<number, number> };

export { type CoreOptions, DEFAULT_CORE } from './core-options.ts';

export class EngineCore {
  readonly ctx: KvContext;
  readonly sessions: SessionTable;
  readonly numBlocks: number;
  private readonly o: CoreOptions;
  private readonly bs: number;
  private readonly budget: BlockBudget;
  private readonly admission: Admission;
  private waiting: Sequence[] = [];
  /** Never reassigned: Admission reads this list for its watermark. */
  private readonly running: Sequence[] = [];
  private swappedOut: Sequence[] = [];
  private readonly byId = new Map<number, Sequence>();
  private stepNo = 0;
  private admitted = 0;
  private closed = false;
  prefixHits = 0;
  readonly preemptions = { swap: 0, recompute: 0 };
  /** Most sequences running at once since start (benchmarks). */
  peakRunning = 0;

  constructor(
    private readonly runner: ModelRunner,
    opts: Partial<CoreOptions> = {},
  ) {
    this.o = { ...DEFAULT_CORE, ...opts };
    this.bs = runner.shape.blockSize;
    this.numBlocks = blocksForBudget(runner.shape, this.o.kvMemoryBytes);
    const pool = new BlockPool(this.numBlocks);
    const storeOpts = this.o.offloadDir === undefined ? {} : { dir: this.o.offloadDir };
    this.ctx = {
      pool,
      cache: new PrefixCache(pool, runner.name, this.bs),
      kv: new KvMemory(runner.shape, this.numBlocks),
      store: new OffloadStore({ hostBytes: this.o.hostOffloadBytes, ...storeOpts }),
      blockSize: this.bs,
    };
    this.sessions = new SessionTable(this.ctx, this.o.sessionTtlMs);
    this.budget = {
      numBlocks: this.numBlocks,
      blockSize: this.bs,
      maxContext: runner.maxContext,
      reserveMaxContext: this.o.reserveMaxContext,
    };
    const { admissionHeadroom, admissionLookahead } = this.o;
    this.admission = new Admission(
      { ...this.budget, admissionHeadroom, admissionLookahead },
      this.ctx,
      this.sessions,
      this.running,
    );
  }

  /** Queues a request. Throws EngineError: queue_full, context_length_exceeded, closed. */
  submit(id: number, req: CoreRequest, emit: (ev: GenerationEvent) => void): void {
    if (this.closed) throw new EngineError('closed', 'the engine is closed');
    const p = req.promptTokens;
    const { vocabSize, maxContext } = this.runner;
    if (p.length === 0 || !p.every((t) => Number.isInteger(t) && t >= 0 && t < vocabSize)) {
      throw new EngineError('internal', 'prompt tokens must be non-empty token ids of this model');
    }
    if (p.length >= maxContext) {
      throw new EngineError(
        'context_length_exceeded',
        `the prompt has ${p.length} tokens; the model holds ${maxContext}`,
      );
    }
    // The prompt and its first token must fit the pool (the baseline: its whole reservation). A
    // sequence that later outgrows the pool ends with 'length' rather than being refused up front.
    const longest = this.o.reserveMaxContext ? maxContext : p.length + 1;
    if (Sequence.blocksFor(longest, this.bs) > this.numBlocks - 1) {
      throw new EngineError('context_length_exceeded', `${longest} tokens do not fit the KV memory budget`);
    }
    if (this.waiting.length >= this.o.queueLimit)
      throw new EngineError('queue_full', 'too many queued requests');
    const sampling = { ...req.sampling, maxTokens: Math.min(req.sampling.maxTokens, maxContext - p.length) };
    const seq = new Sequence({
      id,
      promptTokens: p,
      sampling,
      salt: req.cacheSalt ?? (req.sessionId === undefined ? '' : `session:${req.sessionId}`),
      ...(req.sessionId === undefined ? {} : { sessionId: req.sessionId }),
      returnLogits: req.returnLogits === true,
      emit,
      now: this.o.now(),
    });
    this.byId.set(id, seq);
    // A queued turn keeps its session alive: TTL counts from the last request, not the last run.
    if (req.sessionId !== undefined)
      this.sessions.getOrCreate(req.sessionId, this.o.now()).lastUsed = this.o.now();
    if (sampling.maxTokens <= 0) {
      this.finish(seq, 'length');
      return;
    }
    this.waiting.push(seq);
  }

  /** Marks a request cancelled; its blocks are freed at the next step. */
  cancel(id: number): void {
    const seq = this.byId.get(id);
    if (seq !== undefined) seq.cancelled = true;
  }

  hasWork(): boolean {
    return this.running.length + this.waiting.length + this.swappedOut.length > 0;
  }

  /** One scheduling step; false when nothing could run. */
  async step(): Promise<boolean> {
    this.stepNo++;
    this.expireSessions();
    for (const seq of [...this.running, ...this.waiting, ...this.swappedOut]) {
      if (seq.cancelled) this.finish(seq, 'cancelled');
    }
    this.swapIn();
    this.admit();
    if (this.running.length === 0) return false;
    const cands = this.running.map((s) => ({
      id: s.id,
      pending: s.pending(),
      context: s.computed,
      lastRun: s.lastRun,
    }));
    const plan = planStep(cands, this.o.plan);
    for (const run of plan) {
      for (const row of run) {
        const seq = this.byId.get(row.id)!;
        if (seq.state !== 'running' || this.ensureBlocks(seq, seq.computed + row.n)) continue;
        // Nobody left to preempt: the pool cannot hold this sequence any longer.
        if (this.running.length === 1) this.finish(seq, 'length');
        else this.preempt(seq);
      }
    }
    for (const run of plan) {
      const rows = run.filter((r) => this.byId.get(r.id)?.state === 'running');
      if (rows.length === 0) continue;
      const seqs = rows.map((r) => this.byId.get(r.id)!);
      const input: RunRow[] = rows.map((r, i) => ({
        tokens: seqs[i]!.tokens.slice(seqs[i]!.computed, seqs[i]!.computed + r.n),
        pastLen: seqs[i]!.computed,
        blocks: seqs[i]!.blocks,
      }));
      let logits: Float32Array;
      try {
        logits = await this.runner.run(input, this.ctx.kv);
      } catch {
        for (const seq of seqs) this.finish(seq, 'error');
        continue;
      }
      const at = this.o.now();
      const V = this.runner.vocabSize;
      rows.forEach((r, i) => {
        const seq = seqs[i]!;
        if (seq.state !== 'running') return;
        seq.computed += r.n;
        seq.lastRun = this.stepNo;
        this.registerFull(seq);
        if (seq.computed === seq.tokens.length) this.sampleNext(seq, logits.subarray(i * V, (i + 1) * V), at);
      });
    }
    return true;
  }

  // --- admission -------------------------------------------------------------------------------

  private admit(): void {
    for (let i = 0; i < this.waiting.length; ) {
      if (this.running.length >= this.o.maxRunning) return;
      const seq = this.waiting[i]!;
      const s = seq.sessionId === undefined ? undefined : this.sessions.get(seq.sessionId);
      if (s !== undefined && s.turn !== undefined && s.turn !== seq.id) {
        i++; // that session's previous turn is still running: this one waits, others go ahead
        continue;
      }
      if (!this.tryAdmit(seq, s)) return; // first come, first served: no overtaking on memory
      this.waiting.splice(i, 1);
    }
  }

  /** Starts `seq` if admission.ts finds it room and blocks; the queues and counters are the core's. */
  private tryAdmit(seq: Sequence, s: Session | undefined): boolean {
    const reused = this.admission.claimBlocks(seq, s, (after) => this.allocate(s, after));
    if (reused === undefined) return false;
    if (seq.timings.admittedAt === undefined) {
      seq.cachedTokens = Math.min(reused, seq.promptLen);
      seq.timings.admittedAt = this.o.now();
      if (reused > 0) this.prefixHits++;
    }
    if (s !== undefined) s.turn = seq.id;
    seq.state = 'running';
    seq.admitOrder = ++this.admitted;
    this.running.push(seq);
    this.peakRunning = Math.max(this.peakRunning, this.running.length);
    return true;
  }

  // --- memory pressure -------------------------------------------------------------------------

  /**
   * A block to follow `after` (the holder's last block, so that it grows in place where it can:
   * block-pool.ts): free, evicted from the cache, or freed by offloading an idle session.
   */
  private allocate(exclude?: Session, after?: number): number | undefined {
    const { pool } = this.ctx;
    const b = pool.allocate(after);
    if (b !== undefined) return b;
    this.sessions.reclaim(1, exclude);
    return pool.allocate(after);
  }

  /** Grows `seq` to `tokens` positions, preempting younger sequences if the pool is exhausted. */
  private ensureBlocks(seq: Sequence, tokens: number): boolean {
    while (seq.blocks.length < Sequence.blocksFor(tokens, this.bs)) {
      const b = seq.reserve.pop() ?? this.allocate(undefined, seq.blocks.at(-1));
      if (b !== undefined) {
        seq.blocks.push(b);
        continue;
      }
      const victim = this.running.filter((s) => s !== seq).sort((a, b) => b.admitOrder - a.admitOrder)[0];
      if (victim === undefined) return false;
      this.preempt(victim);
    }
    return true;
  }

  /**
   * Takes a running sequence's blocks away. A long one is swapped out to the offload store (cheaper
   * to copy back than to recompute); a short one starts over from the waiting queue's head, where its
   * full blocks, now cached, will likely still be found by the prefix cache.
   */
  private preempt(seq: Sequence): void {
    const { pool, kv, store } = this.ctx;
    this.running.splice(this.running.indexOf(seq), 1);
    seq.timings.preemptions++;
    for (const b of seq.reserve.splice(0)) pool.release(b);
    if (seq.computed >= this.o.swapThresholdTokens) {
      seq.swapped = seq.blocks.map((b) => store.put(kv.readBlock(b)));
      seq.state = 'swapped';
      this.swappedOut.push(seq);
      this.preemptions.swap++;
    } else {
      seq.computed = 0;
      seq.keys = [];
      seq.state = 'waiting';
      this.waiting.unshift(seq);
      this.preemptions.recompute++;
    }
    for (const b of seq.blocks.splice(0)) pool.release(b);
  }

  private swapIn(): void {
    const { pool, kv, store } = this.ctx;
    while (this.swappedOut.length > 0) {
      const seq = this.swappedOut[0]!;
      const total = blocksHeld(seq.tokens.length, this.budget);
      if (!this.admission.makeRoom(total)) return;
      this.swappedOut.shift();
      let last: number | undefined;
      seq.blocks = seq.swapped.map((h) => {
        const b = pool.allocate(last)!;
        last = b;
        kv.writeBlock(b, store.get(h));
        store.delete(h);
        return b;
      });
      seq.swapped = [];
      seq.keys = [];
      this.admission.reserveRest(seq, total);
      seq.state = 'running';
      this.running.push(seq);
    }
  }

  // --- tokens ------------------------------------------------------------------------------------

  /** Names every newly completed full block in the prefix cache (hash chain, prefix-cache.ts). */
  private registerFull(seq: Sequence): void {
    const full = Math.floor(seq.computed / this.bs);
    while (seq.keys.length < full) {
      const i = seq.keys.length;
      const key = this.ctx.cache.keyOf(seq.keys[i - 1] ?? '', seq.tokens, i, seq.salt);
      this.ctx.cache.register(seq.blocks[i]!, key);
      seq.keys.push(key);
    }
  }

  private sampleNext(seq: Sequence, logits: Float32Array, at: number): void {
    const token = sample(logits, seq.sampling, seq.rng);
    seq.sampledCount++;
    seq.tokens.push(token);
    seq.timings.firstTokenAt ??= at;
    if (seq.returnLogits) seq.heldLogits.push(logits.slice());
    const { emit, stopped } = seq.stop.push(token);
    this.emitTokens(seq, emit, at);
    if (stopped) this.finish(seq, 'stop');
    else if (seq.sampledCount >= seq.sampling.maxTokens || seq.tokens.length >= this.runner.maxContext) {
      this.finish(seq, 'length');
    }
  }

  private emitTokens(seq: Sequence, ids: number[], at: number): void {
    for (const id of ids) {
      const logits = seq.returnLogits ? seq.heldLogits.shift() : undefined;
      seq.emit(logits === undefined ? { type: 'token', id, at } : { type: 'token', id, at, logits });
    }
  }

  /** Ends a request: its blocks go to its session (if any) or back to the pool; then 'done'. */
  private finish(seq: Sequence, reason: FinishReason): void {
    if (seq.state === 'done') return;
    const { pool, store } = this.ctx;
    const now = this.o.now();
    if (reason === 'length') this.emitTokens(seq, seq.stop.flush(), now);
    for (const list of [this.running, this.waiting, this.swappedOut]) {
      const i = list.indexOf(seq);
      if (i >= 0) list.splice(i, 1);
    }
    for (const h of seq.swapped.splice(0)) store.delete(h);
    for (const b of seq.reserve.splice(0)) pool.release(b);
    const s = seq.sessionId === undefined ? undefined : this.sessions.get(seq.sessionId);
    if (s !== undefined && s.turn === seq.id) {
      // The session keeps what was computed: the next turn starts from these tokens.
      s.tokens = seq.tokens.slice(0, seq.computed);
      s.entries = seq.blocks.splice(0).map((block) => ({ block }));
      s.turn = undefined;
      s.lastUsed = now;
    }
    for (const b of seq.blocks.splice(0)) pool.release(b);
    seq.state = 'done';
    this.byId.delete(seq.id);
    seq.emit({
      type: 'done',
      finishReason: reason,
      usage: {
        promptTokens: seq.promptLen,
        cachedTokens: seq.cachedTokens,
        completionTokens: seq.sampledCount,
      },
      timings: { ...seq.timings, finishedAt: now },
    });
  }

  // --- sessions ----------------------------------------------------------------------------------

  private session(id: string): Session {
    const s = this.sessions.get(id);
    if (s === undefined) throw new EngineError('no_such_session', `no session ${id}`);
    return s;
  }

  sessionInfo(id: string): SessionInfo | undefined {
    const s = this.sessions.get(id);
    return s === undefined ? undefined : this.sessions.info(s, this.o.now());
  }

  pauseSession(id: string): SessionInfo {
    const s = this.session(id);
    s.paused = true;
    s.lastUsed = this.o.now();
    return this.sessions.info(s, this.o.now());
  }

  /** Un-pauses; restores offloaded KV now if the pool has room without pushing anything out. */
  resumeSession(id: string): SessionInfo {
    const s = this.session(id);
    s.paused = false;
    s.lastUsed = this.o.now();
    if (
      s.turn === undefined &&
      this.sessions.offloadedAmong(s, s.entries.length) <= this.ctx.pool.freeCount
    ) {
      this.sessions.restore(s, (after) => this.ctx.pool.allocate(after));
    }
    return this.sessions.info(s, this.o.now());
  }

  setSessionTtl(id: string, ttlMs: number | null): SessionInfo {
    const s = this.session(id);
    s.ttlMs = ttlMs;
    s.lastUsed = this.o.now();
    return this.sessions.info(s, this.o.now());
  }

  /** Closes a session; a turn still running on it is cancelled (its blocks are freed next step). */
  closeSession(id: string): void {
    const s = this.sessions.get(id);
    if (s === undefined) return;
    if (s.turn !== undefined) this.cancel(s.turn);
    for (const seq of this.waiting) if (seq.sessionId === id) seq.cancelled = true;
    s.turn = undefined;
    this.sessions.close(s);
  }

  expireSessions(): void {
    for (const s of this.sessions.expired(this.o.now())) this.sessions.close(s);
  }

  // --- stats -------------------------------------------------------------------------------------

  capacityAt(contextTokens: number): number {
    return sequencesThatFit(contextTokens, this.budget);
  }

  stats(): CoreStats & { kvTokens: number; peakRunning: number } {
    const { pool } = this.ctx;
    const capacityAt: Record<number, number> = {};
    for (const n of [...this.o.capacityLengths, this.runner.maxContext]) capacityAt[n] = this.capacityAt(n);
    const fills: BlockFill[] = this.running.map((s) => ({ blocks: s.blocks, tokens: s.computed }));
    for (const s of this.sessions.all()) {
      // An offloaded entry holds no block: 0 (padding) stands for it and is not counted.
      fills.push({ blocks: s.entries.map((e) => ('block' in e ? e.block : 0)), tokens: s.tokens.length });
    }
    const kvTokens = kvTokensInUse(fills, this.bs);
    return {
      blocksTotal: this.numBlocks - 1,
      blocksUsed: pool.usedCount,
      blocksCached: pool.cachedCount,
      blocksFree: pool.freeCount,
      blockSize: this.bs,
      prefixHits: this.prefixHits,
      offloads: this.sessions.offloads,
      restores: this.sessions.restores,
      preemptions: { ...this.preemptions },
      queueDepth: this.waiting.length,
      runningSequences: this.running.length,
      capacityAt,
      kvTokens,
      peakRunning: this.peakRunning,
    };
  }

  /** Every block holder the core knows of, for pool invariant checks in tests. */
  holders(): Map<number, number> {
    const m = new Map<number, number>();
    const add = (b: number): void => void m.set(b, (m.get(b) ?? 0) + 1);
    for (const seq of this.running) for (const b of [...seq.blocks, ...seq.reserve]) add(b);
    for (const s of this.sessions.all()) for (const e of s.entries) if ('block' in e) add(e.block);
    return m;
  }

  close(): void {
    this.closed = true;
    for (const seq of [...this.running, ...this.waiting, ...this.swappedOut]) this.finish(seq, 'cancelled');
    for (const s of [...this.sessions.all()]) this.sessions.close(s);
    this.ctx.store.close();
  }
}
