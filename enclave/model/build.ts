/**
 * Building and caching the built-in models. A model is built on first use (or ahead of time by the
 * build script) into `<cacheDir>/models/tacit-<name>-<recipe>.onnx` plus `.json` manifest, where
 * <recipe> hashes everything that determines the bytes (builder version, config, block size, seed), so
 * a cached file is found without building it and a changed recipe never reuses a stale file.
 *
 * Files are written to a temporary name and renamed into place (rename is atomic on POSIX), model
 * first, manifest last: a reader that finds the manifest finds a complete model, even while other
 * processes (parallel test workers) build the same model at the same time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidArgument } from '../../shared/errors.ts';
import type { BuiltinModelName } from './config.ts';
import { builtinConfig, DEFAULT_BLOCK_SIZE, isBuiltinModelName, parameterCount } from './config.ts';
import { BUILDER_VERSION, encodeDecoderModel } from './encode-model.ts';
import type { ModelManifest } from './manifest.ts';
import { MANIFEST_FORMAT, serializeManifest } from './manifest.ts';
import { BUILTIN_SEED, builtinWeights } from './weights.ts';

/**
 * The sha256 of each built-in model file. The builder is deterministic (seeded weights, V8's
 * platform-independent Math, no timestamps), so these are known in advance: loadModel refuses a cached
 * file with another digest, and a test fails when a change to the builder changes the bytes (update
 * the constant and BUILDER_VERSION together: attestation and receipts name this digest).
 */
export const BUILTIN_DIGESTS: Readonly<Record<BuiltinModelName, string>> = Object.freeze({
  tiny: '118e6f7e558e2a4117ee2f745e6a3df95860cd4b82751a1fee95f58abd9fd8f2',
  small: 'd3819d12da680228ca40d5eee3c321fa21d40f90b7372889ffbc91a8be2b4387',
});

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `TACIT_CACHE_DIR`, or `<repo>/.cache` (gitignored). */
export function cacheDir(): string {
  const env = process.env.TACIT_CACHE_DIR;
  return env !== undefined && env !== '' ? env : join(REPO_ROOT, '.cache');
}

export function modelsDir(): string {
  return join(cacheDir(), 'models');
}

/** `tacit-<name>-<recipe hash>`: the file stem of a built-in model. */
export function builtinModelStem(name: BuiltinModelName): string {
  const recipe = JSON.stringify({
    builder: BUILDER_VERSION,
    config: builtinConfig(name),
    blockSize: DEFAULT_BLOCK_SIZE,
    seed: BUILTIN_SEED,
  });
  return `tacit-${name}-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface BuiltModel {
  onnxPath: string;
  manifestPath: string;
  manifest: ModelManifest;
  /** Milliseconds spent generating weights and encoding. */
  buildMs: number;
}

/** The model file and its manifest, in memory (deterministic: same bytes on every call). */
export function buildModelBytes(name: BuiltinModelName): { onnx: Uint8Array; manifest: ModelManifest } {
  if (!isBuiltinModelName(name)) throw invalidArgument(`unknown built-in model: ${String(name)}`);
  const config = builtinConfig(name);
  const onnx = encodeDecoderModel(config, builtinWeights(name), DEFAULT_BLOCK_SIZE);
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    config,
    blockSize: DEFAULT_BLOCK_SIZE,
    onnx: `${builtinModelStem(name)}.onnx`,
    digest: sha256Hex(onnx),
    params: parameterCount(config),
  };
  return { onnx, manifest };
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Builds a built-in model into the cache (always; see ensureBuiltinModel for build-if-missing). */
export async function buildModel(name: BuiltinModelName): Promise<BuiltModel> {
  const t0 = performance.now();
  const { onnx, manifest } = buildModelBytes(name);
  const buildMs = performance.now() - t0;
  const dir = modelsDir();
  await mkdir(dir, { recursive: true });
  const onnxPath = join(dir, manifest.onnx);
  const manifestPath = join(dir, `${builtinModelStem(name)}.json`);
  await writeAtomic(onnxPath, onnx);
  await writeAtomic(manifestPath, serializeManifest(manifest));
  return { onnxPath, manifestPath, manifest, buildMs };
}

const pending = new Map<string, Promise<string>>();

/**
 * The path of a built-in model's .onnx file in the cache, building it first if it is missing. Its
 * manifest is beside it with the extension .json. The file's integrity is checked by loadModel.
 */
export function ensureBuiltinModel(name: BuiltinModelName): Promise<string> {
  if (!isBuiltinModelName(name))
    return Promise.reject(invalidArgument(`unknown built-in model: ${String(name)}`));
  const stem = join(modelsDir(), builtinModelStem(name));
  const onnxPath = `${stem}.onnx`;
  if (existsSync(`${stem}.json`) && existsSync(onnxPath)) return Promise.resolve(onnxPath);
  // One build per process and path, however many callers wait for it.
  let p = pending.get(stem);
  if (p === undefined) {
    p = buildModel(name)
      .then((b) => b.onnxPath)
      .finally(() => pending.delete(stem));
    pending.set(stem, p);
  }
  return p;
}
