/**
 * The contract between the model builder/loader (enclave/model) and the engine (enclave/engine):
 * the names, types and shapes of the decoder graph's inputs and outputs. Any model the engine runs,
 * built-in or exported, must have exactly this interface.
 *
 * Paged attention (DESIGN.md, engine decisions): the whole KV pool of each layer is an input every
 * step (zero-copy from the engine's Float32Arrays), head-major `[kvHeads, numBlocks, blockSize,
 * headDim]`, gathered in-graph through `block_table`; past and new tokens are scored separately and
 * joined in one softmax; the graph outputs only the new K/V rows (keys after RoPE) and the logits of
 * one position per sequence. Block 0 is reserved for padding and is never read unmasked.
 */

export interface ModelConfig {
  /** Stable model name, e.g. 'tacit-tiny'. */
  name: string;
  /** Byte-level vocabulary: 256 byte tokens plus the special tokens of enclave/tokenizer. */
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Grouped-query attention: nHeads must be a multiple of nKvHeads. */
  nKvHeads: number;
  headDim: number;
  ffnDim: number;
  ropeTheta: number;
  rmsEps: number;
  /** Longest context (prompt + output) a sequence may reach. */
  maxContext: number;
}

/** Graph input names. B = sequences in the step, T = new tokens per sequence (padded at the end),
 * M = block-table width of the step (>= 1; padded with block 0). */
export const INPUTS = {
  /** int64 [B, T] token ids; padding at the end of a row with any id (it is never attended by real tokens). */
  inputIds: 'input_ids',
  /** int64 [B, T] absolute positions (RoPE). */
  positions: 'positions',
  /** int64 [B] tokens already in the cache for each sequence; past slots >= past_lens are masked. */
  pastLens: 'past_lens',
  /** int64 [B, M] physical block of each logical block of the sequence. */
  blockTable: 'block_table',
  /** int64 [B] index in [0, T) of the position whose logits are returned. */
  sampleIndex: 'sample_index',
  /** float32 [kvHeads, numBlocks, blockSize, headDim], one per layer. */
  kPool: (layer: number): string => `k_pool.${layer}`,
  vPool: (layer: number): string => `v_pool.${layer}`,
} as const;

export const OUTPUTS = {
  /** float32 [B, vocab]. */
  logits: 'logits',
  /** float32 [B, kvHeads, T, headDim], one per layer: the rows the engine writes into the pool. */
  kNew: (layer: number): string => `k_new.${layer}`,
  vNew: (layer: number): string => `v_new.${layer}`,
} as const;
