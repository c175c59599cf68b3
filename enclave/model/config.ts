/**
 * The built-in model configurations and the arithmetic on them. Both are Llama-shaped decoders
 * (RMSNorm, RoPE, SwiGLU, grouped-query attention) with untied input and output embeddings over the
 * byte-level vocabulary of enclave/tokenizer.
 */
import { invalidArgument, TacitError } from '../../shared/errors.ts';
import { VOCAB_SIZE } from '../tokenizer/vocab.ts';
import type { ModelConfig } from './graph-contract.ts';

export type BuiltinModelName = 'tiny' | 'small';

export const BUILTIN_MODEL_NAMES: readonly BuiltinModelName[] = ['tiny', 'small'];

/** Tokens per KV block. Fixed per model file (the pool inputs' third dimension). */
export const DEFAULT_BLOCK_SIZE = 16;

export const BUILTIN_CONFIGS: Readonly<Record<BuiltinModelName, Readonly<ModelConfig>>> = Object.freeze({
  // ~3.0 M parameters: fast enough for every test and for CI. Four query heads share one kv head
  // (4:1, the grouping of Llama 3): a decode step reads every cached key and value once, so the
  // kv heads set its cost. bench/decode.ts, B = 16 x 1k context, one thread: 2 kv heads (this
  // model before) 15.9 ms per step, 1 kv head 9.0 ms; and each sequence holds half the KV memory.
  tiny: Object.freeze({
    name: 'tacit-tiny',
    vocabSize: VOCAB_SIZE,
    dModel: 256,
    nLayers: 4,
    nHeads: 4,
    nKvHeads: 1,
    headDim: 64,
    ffnDim: 720,
    ropeTheta: 10_000,
    rmsEps: 1e-5,
    maxContext: 4096,
  }),
  // ~25.4 M parameters: a size where the engine's batching and paging show in the numbers.
  small: Object.freeze({
    name: 'tacit-small',
    vocabSize: VOCAB_SIZE,
    dModel: 512,
    nLayers: 8,
    nHeads: 8,
    nKvHeads: 4,
    headDim: 64,
    ffnDim: 1536,
    ropeTheta: 10_000,
    rmsEps: 1e-5,
    maxContext: 8192,
  }),
});

export function isBuiltinModelName(name: unknown): name is BuiltinModelName {
  return typeof name === 'string' && (BUILTIN_MODEL_NAMES as readonly string[]).includes(name);
}

export function builtinConfig(name: BuiltinModelName): ModelConfig {
  if (!isBuiltinModelName(name)) throw invalidArgument(`unknown built-in model: ${String(name)}`);
  return { ...BUILTIN_CONFIGS[name] };
}

/** Trainable parameters: embeddings, per-layer norms and projections, final norm, LM head and its bias. */
export function parameterCount(c: ModelConfig): number {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  const perLayer = 2 * c.dModel + c.dModel * q + 2 * c.dModel * kv + q * c.dModel + 3 * c.dModel * c.ffnDim;
  return 2 * c.vocabSize * c.dModel + c.vocabSize + c.dModel + c.nLayers * perLayer;
}

const POSITIVE_INTS = [
  'vocabSize',
  'dModel',
  'nLayers',
  'nHeads',
  'nKvHeads',
  'headDim',
  'ffnDim',
  'maxContext',
] as const;

/** Checks an untrusted config (from an exported model's manifest); lists every problem at once. */
export function validateConfig(value: unknown): ModelConfig {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null)
    throw new TacitError('ERR_MALFORMED', 'model config must be an object');
  const c = value as Record<string, unknown>;
  if (typeof c.name !== 'string' || c.name === '') problems.push('name must be a non-empty string');
  for (const k of POSITIVE_INTS) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) <= 0)
      problems.push(`${k} must be a positive integer`);
  }
  for (const k of ['ropeTheta', 'rmsEps'] as const) {
    if (typeof c[k] !== 'number' || !Number.isFinite(c[k]) || c[k] <= 0)
      problems.push(`${k} must be a positive number`);
  }
  if (problems.length === 0) {
    if ((c.nHeads as number) % (c.nKvHeads as number) !== 0)
      problems.push('nHeads must be a multiple of nKvHeads');
    // RoPE rotate-half pairs the two halves of each head.
    if ((c.headDim as number) % 2 !== 0) problems.push('headDim must be even');
    if ((c.vocabSize as number) < VOCAB_SIZE) problems.push(`vocabSize must be at least ${VOCAB_SIZE}`);
  }
  if (problems.length > 0)
    throw new TacitError('ERR_MALFORMED', `invalid model config: ${problems.join('; ')}`);
  const out: ModelConfig = {
    name: c.name as string,
    vocabSize: c.vocabSize as number,
    dModel: c.dModel as number,
    nLayers: c.nLayers as number,
    nHeads: c.nHeads as number,
    nKvHeads: c.nKvHeads as number,
    headDim: c.headDim as number,
    ffnDim: c.ffnDim as number,
    ropeTheta: c.ropeTheta as number,
    rmsEps: c.rmsEps as number,
    maxContext: c.maxContext as number,
  };
  return out;
}
