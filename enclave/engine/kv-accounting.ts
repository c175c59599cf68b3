/**
 * KV accounting: pure arithmetic over the paged pool, with no engine state. How many blocks one
 * sequence holds (the baseline reserves its whole context up front), how many sequences of a given
 * length the pool holds at once, and how many token slots the used blocks actually fill.
 *
 * Separate from the core so that the numbers stats() reports, and the block counts admission sizes
 * its requests by, are one definition each that can be read (and checked) without the step loop.
 */
import { Sequence } from './sequence.ts';

/** The pool's size and what one sequence holds of it. */
export interface BlockBudget {
  /** Blocks in the pool, block 0 (padding, never allocated) included. */
  numBlocks: number;
  blockSize: number;
  maxContext: number;
  /** Baseline mode: a sequence holds every block its context can ever use from admission on. */
  reserveMaxContext: boolean;
}

/** Blocks a sequence of `tokens` positions holds (in baseline mode: its whole context's). */
export function blocksHeld(tokens: number, b: BlockBudget): number {
  return Sequence.blocksFor(b.reserveMaxContext ? b.maxContext : tokens, b.blockSize);
}

/** Sequences of `contextTokens` positions the pool holds at once. */
export function sequencesThatFit(contextTokens: number, b: BlockBudget): number {
  return Math.floor((b.numBlocks - 1) / blocksHeld(contextTokens, b));
}

/** A holder's blocks in logical order and the tokens written into them; block 0 stands for none. */
export interface BlockFill {
  blocks: readonly number[];
  tokens: number;
}

/**
 * KV tokens in use: the filled slots of used blocks, each block counted once however many hold it
 * (a shared prefix is stored once), at the fullest any holder has filled it.
 */
export function kvTokensInUse(holders: Iterable<BlockFill>, blockSize: number): number {
  const filled = new Map<number, number>();
  for (const { blocks, tokens } of holders) {
    blocks.forEach((b, i) => {
      const n = Math.max(0, Math.min(blockSize, tokens - i * blockSize));
      if (n > (filled.get(b) ?? 0)) filled.set(b, n);
    });
  }
  filled.delete(0);
  let kvTokens = 0;
  for (const n of filled.values()) kvTokens += n;
  return kvTokens;
}
