/**
 * The weights of a built-in model: deterministic, generated in memory from a seed (nothing is
 * downloaded). Matrices are row-major `[in, out]`, so a projection is `y = x @ W`.
 *
 * Initialisation (scaled so that the logits are far from uniform, though the model knows nothing):
 * embeddings N(0, 1), so the residual stream starts at unit RMS; q/k/v and gate/up N(0, 1/dModel),
 * so projections of a normalised vector have unit variance and attention is not flat; output
 * projections (wo, wDown) further scaled by 1/sqrt(2 nLayers) as in GPT-2, so the residual stream
 * grows slowly with depth; the LM head N(0, 1/dModel), giving a random part of the logits of
 * standard deviation about 1, on top of an output bias that is a prior over printable ASCII
 * (text-prior.ts), so the untrained models write readable "words" rather than arbitrary bytes.
 */

import type { BuiltinModelName } from './config.ts';
import { builtinConfig } from './config.ts';
import type { ModelConfig } from './graph-contract.ts';
import { gains, normal } from './init.ts';
import { textPriorBias } from './text-prior.ts';

/** The seed of every built-in model. Changing it changes every digest. */
export const BUILTIN_SEED = 0x7ac17;

export interface LayerWeights {
  /** [dModel] */
  attnNorm: Float32Array;
  /** [dModel, nHeads * headDim] */
  wq: Float32Array;
  /** [dModel, nKvHeads * headDim] */
  wk: Float32Array;
  /** [dModel, nKvHeads * headDim] */
  wv: Float32Array;
  /** [nHeads * headDim, dModel] */
  wo: Float32Array;
  /** [dModel] */
  mlpNorm: Float32Array;
  /** [dModel, ffnDim] */
  wGate: Float32Array;
  /** [dModel, ffnDim] */
  wUp: Float32Array;
  /** [ffnDim, dModel] */
  wDown: Float32Array;
}

export interface ModelWeights {
  /** [vocabSize, dModel] */
  embed: Float32Array;
  layers: LayerWeights[];
  /** [dModel] */
  finalNorm: Float32Array;
  /** [dModel, vocabSize] (untied from embed) */
  lmHead: Float32Array;
  /** [vocabSize], added to the LM head's output. */
  lmBias: Float32Array;
}

/** Weights for any config from a seed. */
export function generateWeights(c: ModelConfig, seed: number): ModelWeights {
  const d = c.dModel;
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  const inStd = 1 / Math.sqrt(d);
  const depth = 1 / Math.sqrt(2 * c.nLayers);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `layers.${l}.`;
    layers.push({
      attnNorm: gains(seed, `${p}attn_norm`, d),
      wq: normal(seed, `${p}wq`, d * q, inStd),
      wk: normal(seed, `${p}wk`, d * kv, inStd),
      wv: normal(seed, `${p}wv`, d * kv, inStd),
      wo: normal(seed, `${p}wo`, q * d, depth / Math.sqrt(q)),
      mlpNorm: gains(seed, `${p}mlp_norm`, d),
      wGate: normal(seed, `${p}w_gate`, d * c.ffnDim, inStd),
      wUp: normal(seed, `${p}w_up`, d * c.ffnDim, inStd),
      wDown: normal(seed, `${p}w_down`, c.ffnDim * d, depth / Math.sqrt(c.ffnDim)),
    });
  }
  return {
    embed: normal(seed, 'embed', c.vocabSize * d, 1),
    layers,
    finalNorm: gains(seed, 'final_norm', d),
    lmHead: normal(seed, 'lm_head', d * c.vocabSize, 1 / Math.sqrt(d)),
    lmBias: textPriorBias(c.vocabSize),
  };
}

/** The weights of a built-in model (deterministic: the same arrays on every call and machine). */
export function builtinWeights(name: BuiltinModelName): ModelWeights {
  return generateWeights(builtinConfig(name), BUILTIN_SEED);
}
