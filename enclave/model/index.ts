/** The model builder, loader and reference forward pass (public entry of enclave/model). */

export type { BuiltModel } from './build.ts';
export {
  BUILTIN_DIGESTS,
  buildModel,
  buildModelBytes,
  builtinModelStem,
  cacheDir,
  ensureBuiltinModel,
  modelsDir,
} from './build.ts';
export type { BuiltinModelName } from './config.ts';
export {
  BUILTIN_CONFIGS,
  BUILTIN_MODEL_NAMES,
  builtinConfig,
  DEFAULT_BLOCK_SIZE,
  isBuiltinModelName,
  parameterCount,
  validateConfig,
} from './config.ts';
export type { ModelConfig } from './graph-contract.ts';
export { INPUTS, OUTPUTS } from './graph-contract.ts';
export type { LoadedModel } from './load.ts';
export { contractNames, loadModel } from './load.ts';
export type { ModelManifest } from './manifest.ts';
export { MANIFEST_FORMAT, parseManifest } from './manifest.ts';
export { referenceLogits } from './reference.ts';
export type { LayerWeights, ModelWeights } from './weights.ts';
export { BUILTIN_SEED, builtinWeights, generateWeights } from './weights.ts';
