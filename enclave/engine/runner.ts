/**
 * What the engine core needs from a model: run one batch of rows against the paged KV memory and give
 * back the logits of each row's last new token. The ONNX implementation is onnx-runner.ts; tests use a
 * small fake that exercises the same paging through the same KvMemory.
 */
import type { KvMemory, KvShape } from './kv-memory.ts';

export interface RunRow {
  /** New tokens of this sequence in this run (at least one). */
  tokens: readonly number[];
  /** Tokens of this sequence already in the cache. */
  pastLen: number;
  /** Physical blocks covering at least pastLen + tokens.length positions. */
  blocks: readonly number[];
}

export interface ModelRunner {
  readonly shape: KvShape;
  readonly vocabSize: number;
  readonly maxContext: number;
  /** Model name for prefix-cache keys and stats. */
  readonly name: string;
  /**
   * Runs the rows as one batch: writes their new K/V rows into `memory` and returns the logits of the
   * last new token of each row, `[rows.length, vocab]`.
   */
  run(rows: readonly RunRow[], memory: KvMemory): Promise<Float32Array>;
  close?(): Promise<void>;
}
