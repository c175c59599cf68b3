/**
 * A model file from a config and weights: the decoder graph wrapped in an ONNX ModelProto.
 * IR version 8 and opset 17 (ai.onnx): old enough for any current onnxruntime, new enough for
 * LessOrEqual (16) and Split/Unsqueeze taking their sizes and axes as inputs (13).
 */

import { buildDecoderGraph, type DecoderGraphOptions } from './decoder-graph.ts';
import type { ModelConfig } from './graph-contract.ts';
import { encodeModel } from './onnx/model-proto.ts';
import type { ModelWeights } from './weights.ts';

export const IR_VERSION = 8;
export const OPSET = 17;
/**
 * Bump when the graph or the initialisation changes: it is part of every cached file's name.
 * 1: stacked attention, no output bias. 2: grouped attention (attention.ts), LM head scaled to
 * 1/sqrt(dModel) with the text-prior output bias (text-prior.ts). 3: large steps attend in batch
 * chunks (batch-chunks.ts), the past read through the block table a chunk at a time; the same
 * function as 2. The If it uses needs no newer opset. 4: the chunking threshold counts the work of
 * every kv head (a step whose copies fit in L3 runs whole); the tiny model has one kv head.
 */
export const BUILDER_VERSION = '4';

export function encodeDecoderModel(
  config: ModelConfig,
  weights: ModelWeights,
  blockSize: number,
  options: DecoderGraphOptions = {},
): Uint8Array {
  return encodeModel({
    irVersion: IR_VERSION,
    opsets: [{ domain: '', version: OPSET }],
    producerName: 'tacit',
    producerVersion: BUILDER_VERSION,
    docString: `${config.name}: Llama-style decoder with paged attention (enclave/model/graph-contract.ts)`,
    metadata: {
      'tacit.block_size': String(blockSize),
      'tacit.config': JSON.stringify(config),
    },
    graph: buildDecoderGraph(config, weights, blockSize, options),
  });
}
