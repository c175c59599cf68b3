/**
 * Building, caching and loading models: deterministic bytes, parameter counts from config arithmetic,
 * the cache in a temporary TACIT_CACHE_DIR, and a loader that refuses a manifest whose digest or
 * graph interface does not match.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_CONFIGS,
  BUILTIN_DIGESTS,
  buildModelBytes,
  builtinConfig,
  builtinWeights,
  ensureBuiltinModel,
  loadModel,
  type ModelManifest,
  parameterCount,
  parseManifest,
} from '../../../enclave/model/index.ts';
import { isTacitError, type TacitErrorCode } from '../../../shared/errors.ts';

let dir: string;
const saved = process.env.TACIT_CACHE_DIR;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tacit-model-'));
  process.env.TACIT_CACHE_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.TACIT_CACHE_DIR;
  else process.env.TACIT_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

async function failsWith(p: Promise<unknown>, code: TacitErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTacitError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('parameter counts', () => {
  it('follow from the config arithmetic', () => {
    // tiny: 2 embeddings 264x256, LM-head bias 264, final norm, 4 layers of (2 norms, q 256x256,
    // k,v 256x64 (one kv head), o 256x256, 3 ffn 256x720).
    expect(parameterCount(BUILTIN_CONFIGS.tiny)).toBe(
      2 * 264 * 256 + 264 + 256 + 4 * (512 + 65536 + 2 * 16384 + 65536 + 3 * 256 * 720),
    );
    expect(parameterCount(BUILTIN_CONFIGS.tiny)).toBe(3_004_936);
    expect(parameterCount(BUILTIN_CONFIGS.small)).toBe(25_445_128);
    expect(parameterCount(BUILTIN_CONFIGS.small)).toBeGreaterThan(25e6);
    expect(parameterCount(BUILTIN_CONFIGS.small)).toBeLessThan(30e6);
  });

  it('match the generated weights', () => {
    const w = builtinWeights('tiny');
    let n = w.embed.length + w.finalNorm.length + w.lmHead.length + w.lmBias.length;
    for (const L of w.layers) for (const a of Object.values(L)) n += a.length;
    expect(n).toBe(parameterCount(builtinConfig('tiny')));
  });
});

describe('building', () => {
  it('is deterministic: same bytes and digest twice', () => {
    const a = buildModelBytes('tiny');
    const b = buildModelBytes('tiny');
    expect(Buffer.compare(a.onnx, b.onnx)).toBe(0);
    expect(a.manifest.digest).toBe(sha256(a.onnx));
    expect(b.manifest).toEqual(a.manifest);
    // Known answer: the bytes attestation and receipts will name. A change here must be deliberate.
    expect(a.manifest.digest).toBe(BUILTIN_DIGESTS.tiny);
  });

  it('caches the built model and reuses it', async () => {
    const onnxPath = await ensureBuiltinModel('tiny');
    expect(onnxPath.startsWith(join(dir, 'models', 'tacit-tiny-'))).toBe(true);
    const manifestPath = onnxPath.replace(/\.onnx$/, '.json');
    expect(existsSync(manifestPath)).toBe(true);
    const mtime = statSync(onnxPath).mtimeMs;
    expect(await ensureBuiltinModel('tiny')).toBe(onnxPath);
    expect(statSync(onnxPath).mtimeMs).toBe(mtime);
    await failsWith(ensureBuiltinModel('huge' as 'tiny'), 'ERR_INVALID_ARGUMENT');
  });
});

describe('loading', () => {
  let onnx: Buffer;
  let manifest: ModelManifest;
  beforeAll(async () => {
    const path = await ensureBuiltinModel('tiny');
    onnx = readFileSync(path);
    manifest = parseManifest(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8'));
  });

  /** Writes an "exported" model folder with the given bytes and manifest fields. */
  function exported(name: string, bytes: Uint8Array, fields: Partial<ModelManifest> = {}): string {
    const d = join(dir, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d);
    writeFileSync(join(d, 'model.onnx'), bytes);
    writeFileSync(
      join(d, 'manifest.json'),
      JSON.stringify({ ...manifest, onnx: 'model.onnx', digest: sha256(bytes), ...fields }),
    );
    return d;
  }

  it('loads a built-in model by name, verified', async () => {
    const m = await loadModel('tiny');
    expect(m.config).toEqual(builtinConfig('tiny'));
    expect(m.blockSize).toBe(16);
    expect(m.digest).toBe(sha256(readFileSync(m.onnxPath)));
    expect(m.params).toBe(3_004_936);
  });

  it('rebuilds a corrupted cached built-in model instead of trusting it', async () => {
    const path = await ensureBuiltinModel('tiny');
    const bad = Buffer.from(onnx);
    bad[bad.length - 10]! ^= 0xff;
    writeFileSync(path, bad);
    const m = await loadModel('tiny');
    expect(m.digest).toBe(BUILTIN_DIGESTS.tiny);
    expect(sha256(readFileSync(path))).toBe(BUILTIN_DIGESTS.tiny);
  });

  it('loads an exported model by folder, manifest path or model path', async () => {
    const d = exported('ok', onnx);
    for (const p of [d, join(d, 'manifest.json'), join(d, 'model.onnx')]) {
      const m = await loadModel(p);
      expect(m.digest).toBe(manifest.digest);
      expect(m.onnxPath).toBe(join(d, 'model.onnx'));
    }
  });

  it('rejects a manifest whose digest does not match the file', async () => {
    await failsWith(loadModel(exported('digest', onnx, { digest: 'ab'.repeat(32) })), 'ERR_VERIFY');
    const flipped = Buffer.from(onnx);
    flipped[flipped.length - 100]! ^= 1;
    const d = exported('flipped', onnx);
    writeFileSync(join(d, 'model.onnx'), flipped);
    await failsWith(loadModel(d), 'ERR_VERIFY');
  });

  it('rejects a graph whose input or output names differ from the contract', async () => {
    // Same-length renames keep the protobuf valid; the digest is recomputed, so only the names differ.
    const renamed = (from: string, to: string): Buffer =>
      Buffer.from(onnx.toString('latin1').replaceAll(from, to), 'latin1');
    await failsWith(loadModel(exported('in', renamed('sample_index', 'sample_indey'))), 'ERR_VERIFY');
    await failsWith(loadModel(exported('out', renamed('v_new.3', 'v_new.x'))), 'ERR_VERIFY');
    // A manifest that claims another layer count expects other names.
    const five = { ...manifest.config, nLayers: 5 };
    await failsWith(loadModel(exported('layers', onnx, { config: five })), 'ERR_VERIFY');
    const wide = { ...manifest.config, headDim: 32, nHeads: 8, nKvHeads: 4 };
    await failsWith(loadModel(exported('shape', onnx, { config: wide })), 'ERR_VERIFY');
    await failsWith(loadModel(exported('garbage', new Uint8Array([1, 2, 3]))), 'ERR_VERIFY');
  });

  it('rejects malformed manifests and missing models', async () => {
    await failsWith(loadModel(exported('trav', onnx, { onnx: '../model.onnx' })), 'ERR_MALFORMED');
    await failsWith(
      loadModel(exported('fmt', onnx, { format: 'other' as 'tacit-model/1' })),
      'ERR_MALFORMED',
    );
    const badConfig = { ...manifest.config, nKvHeads: 3 };
    await failsWith(loadModel(exported('cfg', onnx, { config: badConfig })), 'ERR_MALFORMED');
    const d = exported('json', onnx);
    writeFileSync(join(d, 'manifest.json'), '{');
    await failsWith(loadModel(d), 'ERR_MALFORMED');
    await failsWith(loadModel(join(dir, 'nothing-here')), 'ERR_INVALID_ARGUMENT');
    await failsWith(loadModel(join(dir, 'ok', 'model.txt')), 'ERR_INVALID_ARGUMENT');
  });
});
