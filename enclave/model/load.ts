/**
 * Loading a model for the engine: a built-in name ('tiny', 'small'), or an exported model given as
 * its folder, its manifest (.json) or its model file (.onnx, with the manifest beside it under the
 * same stem, or as manifest.json). Before anything is trusted the loader checks, in order:
 *   1. the manifest is well formed (manifest.ts, config.ts);
 *   2. the model file's sha256 equals the manifest's digest (the digest receipts will name);
 *   3. onnxruntime can open it, and its inputs and outputs are exactly those of graph-contract.ts for
 *      the manifest's layer count, with pools of [kvHeads, *, blockSize, headDim].
 * Failures are TacitErrors: ERR_INVALID_ARGUMENT (nothing there), ERR_MALFORMED (bad manifest),
 * ERR_VERIFY (digest or interface mismatch, or a file onnxruntime refuses).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { invalidArgument, isTacitError, TacitError } from '../../shared/errors.ts';
import { BUILTIN_DIGESTS, buildModel, ensureBuiltinModel, sha256Hex } from './build.ts';
import { isBuiltinModelName } from './config.ts';
import type { ModelConfig } from './graph-contract.ts';
import { INPUTS, OUTPUTS } from './graph-contract.ts';
import { parseManifest } from './manifest.ts';

export interface LoadedModel {
  config: ModelConfig;
  blockSize: number;
  /** Absolute path of the verified .onnx file. */
  onnxPath: string;
  /** sha256 of the .onnx file, hex. */
  digest: string;
  params: number;
}

/** The graph interface a config implies (graph-contract.ts). */
export function contractNames(nLayers: number): { inputs: string[]; outputs: string[] } {
  const inputs: string[] = [
    INPUTS.inputIds,
    INPUTS.positions,
    INPUTS.pastLens,
    INPUTS.blockTable,
    INPUTS.sampleIndex,
  ];
  const outputs: string[] = [OUTPUTS.logits];
  for (let l = 0; l < nLayers; l++) {
    inputs.push(INPUTS.kPool(l), INPUTS.vPool(l));
    outputs.push(OUTPUTS.kNew(l), OUTPUTS.vNew(l));
  }
  return { inputs, outputs };
}

function verifyError(what: string, cause?: unknown): TacitError {
  return new TacitError('ERR_VERIFY', `model does not verify: ${what}`, { cause });
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return undefined;
  }
}

/** Finds the manifest for a path: a folder (its manifest.json, or its only .json), a .json, or a .onnx. */
async function manifestPathFor(path: string): Promise<string> {
  const dir = await isDirectory(path);
  if (dir === undefined) throw invalidArgument(`no model at ${path}`);
  if (dir) {
    let jsons: string[];
    try {
      jsons = (await readdir(path)).filter((f) => f.endsWith('.json'));
    } catch (cause) {
      throw new TacitError('ERR_INVALID_ARGUMENT', `cannot list model folder ${path}`, { cause });
    }
    if (jsons.includes('manifest.json')) return join(path, 'manifest.json');
    if (jsons.length === 1) return join(path, jsons[0]!);
    throw invalidArgument(`expected manifest.json or exactly one .json manifest in ${path}`);
  }
  if (extname(path) === '.json') return path;
  if (extname(path) === '.onnx') {
    // The manifest beside it under the same stem (the cache's layout), or the folder's manifest.json.
    const sibling = join(dirname(path), `${basename(path, '.onnx')}.json`);
    return (await isDirectory(sibling)) === false ? sibling : join(dirname(path), 'manifest.json');
  }
  throw invalidArgument(`not a model manifest or .onnx file: ${path}`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

/** Checks the graph's interface against the contract through an onnxruntime session. */
async function verifyInterface(bytes: Uint8Array, config: ModelConfig, blockSize: number): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  } catch (cause) {
    throw verifyError('onnxruntime cannot load it', cause);
  }
  try {
    const want = contractNames(config.nLayers);
    if (!sameSet(session.inputNames, want.inputs)) {
      throw verifyError(`inputs [${session.inputNames.join(', ')}] differ from the contract`);
    }
    if (!sameSet(session.outputNames, want.outputs)) {
      throw verifyError(`outputs [${session.outputNames.join(', ')}] differ from the contract`);
    }
    const pool = session.inputMetadata.find((m) => m.name === INPUTS.kPool(0));
    if (pool?.isTensor === true && pool.shape.length > 0) {
      const [heads, , bs, hd] = pool.shape;
      if (pool.shape.length !== 4 || heads !== config.nKvHeads || bs !== blockSize || hd !== config.headDim) {
        throw verifyError(`pool shape [${pool.shape.join(', ')}] does not match the manifest`);
      }
    }
  } finally {
    await session.release();
  }
}

/**
 * Resolves, verifies and describes a model (see the file comment). A built-in model must also have
 * its pinned digest (build.ts BUILTIN_DIGESTS); a cached copy that fails verification is rebuilt once.
 */
export async function loadModel(pathOrName: string): Promise<LoadedModel> {
  if (typeof pathOrName !== 'string' || pathOrName === '') {
    throw invalidArgument('model must be a name or a path');
  }
  if (!isBuiltinModelName(pathOrName)) return loadVerified(pathOrName);
  const pinned = BUILTIN_DIGESTS[pathOrName];
  try {
    return await loadVerified(await ensureBuiltinModel(pathOrName), pinned);
  } catch (e) {
    if (!isTacitError(e, 'ERR_VERIFY') && !isTacitError(e, 'ERR_MALFORMED')) throw e;
    return loadVerified((await buildModel(pathOrName)).onnxPath, pinned);
  }
}

async function loadVerified(path: string, pinnedDigest?: string): Promise<LoadedModel> {
  const manifestPath = await manifestPathFor(path);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (cause) {
    throw new TacitError('ERR_INVALID_ARGUMENT', `cannot read model manifest ${manifestPath}`, { cause });
  }
  const manifest = parseManifest(text);
  const onnxPath = join(dirname(manifestPath), manifest.onnx);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(onnxPath);
  } catch (cause) {
    throw new TacitError('ERR_INVALID_ARGUMENT', `cannot read model file ${onnxPath}`, { cause });
  }
  const digest = sha256Hex(bytes);
  if (digest !== manifest.digest) {
    throw verifyError('sha256 of the model file differs from the manifest digest');
  }
  if (pinnedDigest !== undefined && digest !== pinnedDigest) {
    throw verifyError('not the pinned digest of this built-in model');
  }
  await verifyInterface(bytes, manifest.config, manifest.blockSize);
  return {
    config: manifest.config,
    blockSize: manifest.blockSize,
    onnxPath,
    digest,
    params: manifest.params,
  };
}
