/**
 * Admission policy: when a waiting sequence may start, and which blocks it starts with.
 *
 * Room: a new sequence is admitted only if the pool keeps a watermark free beyond it, the growth the
 * running sequences will need over the next `admissionLookahead` tokens (a preempted stream stalls:
 * its gap is the p99 inter-token latency), offloading idle sessions when that is enough.
 *
 * Blocks: a session's next turn takes over the session's stored blocks for the prefix it shares with
 * the stored context; any other sequence takes the prefix cache's hits for its prompt. Either way at
 * least one token is left to compute, since the run that computes it yields the next token's logits.
 *
 * Separate from the core so that this arithmetic reads, and can be changed, on its own: the core only
 * decides the order in which sequences are offered, and keeps its queues and counters.
 */
import { type BlockBudget, blocksHeld } from './kv-accounting.ts';
import { Sequence } from './sequence.ts';
import type { KvContext, Session, SessionTable } from './sessions.ts';

export interface AdmissionOptions extends BlockBudget {
  /** Fraction of the pool left free at admission for running sequences to grow into. */
  admissionHeadroom: number;
  /** Tokens of growth kept free at admission for each running sequence (see CoreOptions). */
  admissionLookahead: number;
}

/** A block to follow `after` (the holder's last block), or undefined when none can be found. */
export type Allocate = (after: number | undefined) => number | undefined;

export class Admission {
  constructor(
    private readonly o: AdmissionOptions,
    private readonly ctx: KvContext,
    private readonly sessions: SessionTable,
    /** The core's running list, read only here: the sequences the watermark keeps room for. */
    private readonly running: readonly Sequence[],
  ) {}

  /** Makes `need` blocks available (beyond the watermark), offloading idle sessions if that is enough. */
  makeRoom(need: number, exclude?: Session): boolean {
    const want = need + this.watermark() - this.ctx.pool.available;
    if (want <= 0) return true;
    if (want > this.sessions.offloadable(exclude)) return false;
    this.sessions.reclaim(want, exclude);
    return need + this.watermark() <= this.ctx.pool.available;
  }

  /**
   * Gives waiting `seq` (the turn of session `s`, if any) its first blocks and sets what of its
   * prompt is already computed. Returns the tokens reused, or undefined when the pool cannot make
   * room; then `seq` holds nothing (a session's stored context may have been cut to what it shares
   * with this turn). `allocate` finds blocks for a session's offloaded entries.
   */
  claimBlocks(seq: Sequence, s: Session | undefined, allocate: Allocate): number | undefined {
    const total = blocksHeld(seq.tokens.length, this.o);
    const reused =
      s !== undefined && s.turn === undefined && s.entries.length > 0
        ? this.takeSessionContext(seq, s, total, allocate)
        : this.takeCachedPrefix(seq, s, total);
    if (reused === undefined) return undefined;
    this.reserveRest(seq, total);
    return reused;
  }

  /** Baseline mode: allocates now the rest of the `total` blocks `seq` will ever hold. */
  reserveRest(seq: Sequence, total: number): void {
    if (!this.o.reserveMaxContext) return;
    while (seq.blocks.length + seq.reserve.length < total) seq.reserve.push(this.ctx.pool.allocate()!);
  }

  /** A new turn: reuse the common prefix with the stored context (at least one token to compute). */
  private takeSessionContext(
    seq: Sequence,
    s: Session,
    total: number,
    allocate: Allocate,
  ): number | undefined {
    const { pool } = this.ctx;
    const bs = this.o.blockSize;
    let L = 0;
    const max = Math.min(s.tokens.length, seq.tokens.length - 1);
    while (L < max && s.tokens[L] === seq.tokens[L]) L++;
    let keep = Math.ceil(L / bs);
    const last = s.entries[keep - 1];
    if (L % bs !== 0 && last !== undefined) {
      // The partial last block gets written from L on: only if no one else reads it.
      const shared =
        'block' in last
          ? pool.refCount(last.block) > 1 || pool.keyOf(last.block) !== undefined
          : last.key !== undefined;
      if (shared) {
        keep--;
        L = keep * bs;
      }
    }
    const resident = keep - this.sessions.offloadedAmong(s, keep);
    this.sessions.drop(s, keep);
    if (!this.makeRoom(total - resident + this.ownGrowth(seq), s)) return undefined;
    if (!this.sessions.restore(s, allocate)) {
      const firstOff = s.entries.findIndex((e) => 'handle' in e);
      this.sessions.drop(s, firstOff);
      L = Math.min(L, firstOff * bs);
    }
    seq.blocks = s.entries.map((e) => ('block' in e ? e.block : 0));
    s.entries = [];
    s.tokens = [];
    seq.computed = L;
    seq.keys = [];
    return L;
  }

  /** Any other sequence: the prefix cache's hits for its prompt (at least one token to compute). */
  private takeCachedPrefix(seq: Sequence, s: Session | undefined, total: number): number | undefined {
    const { pool, cache } = this.ctx;
    const bs = this.o.blockSize;
    const keys = cache.keys(seq.tokens, seq.salt);
    const hits = cache.acquire(keys);
    // Keep at least one token to compute: drop a hit that would cover the whole prompt.
    while (hits.length * bs > seq.tokens.length - 1) pool.release(hits.pop()!);
    if (!this.makeRoom(total - hits.length + this.ownGrowth(seq), s)) {
      for (const b of hits) pool.release(b);
      return undefined;
    }
    seq.blocks = hits;
    seq.keys = keys.slice(0, hits.length);
    seq.computed = hits.length * bs;
    return seq.computed;
  }

  /**
   * Blocks kept free at admission while others run, so that running sequences can grow without
   * being preempted at once.
   */
  private watermark(): number {
    // The baseline reserves every block a sequence can ever use at admission: nothing left to grow.
    if (this.running.length === 0 || this.o.reserveMaxContext) return 0;
    let growth = 0;
    for (const seq of this.running) growth += Math.max(0, this.blocksAhead(seq) - seq.blocks.length);
    return Math.max(1, growth, Math.ceil((this.o.numBlocks - 1) * this.o.admissionHeadroom));
  }

  /** Blocks `seq` holds once it has written `admissionLookahead` more tokens (or all it may write). */
  private blocksAhead(seq: Sequence): number {
    const last = Math.min(
      seq.promptLen + seq.sampling.maxTokens,
      seq.tokens.length + this.o.admissionLookahead,
    );
    return Sequence.blocksFor(Math.max(last, seq.tokens.length), this.o.blockSize);
  }

  /** Growth room a newly admitted sequence needs beyond its prompt (none in baseline mode: it reserves). */
  private ownGrowth(seq: Sequence): number {
    if (this.running.length === 0 || this.o.reserveMaxContext) return 0;
    return this.blocksAhead(seq) - Sequence.blocksFor(seq.tokens.length, this.o.blockSize);
  }
}
