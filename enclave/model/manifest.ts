/**
 * The model manifest: a small JSON file next to each .onnx that says what the file is. The digest is
 * what receipts and attestation name (ModelInfo.digest), so a loader must check it against the bytes
 * before trusting anything else in the manifest.
 *
 *   { "format": "tacit-model/1", "config": {...ModelConfig}, "blockSize": 16,
 *     "onnx": "tacit-tiny-0123abcd4567.onnx", "digest": "<sha256 hex>", "params": 3004936 }
 */
import { TacitError } from '../../shared/errors.ts';
import { validateConfig } from './config.ts';
import type { ModelConfig } from './graph-contract.ts';

export const MANIFEST_FORMAT = 'tacit-model/1';

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  config: ModelConfig;
  /** Tokens per KV block, fixed in the graph's pool inputs. */
  blockSize: number;
  /** The model file, relative to the manifest's folder (a plain file name: no separators). */
  onnx: string;
  /** sha256 of the model file, lower-case hex. */
  digest: string;
  /** Trainable parameters (informational). */
  params: number;
}

function bad(what: string): TacitError {
  return new TacitError('ERR_MALFORMED', `invalid model manifest: ${what}`);
}

/** Parses and validates a manifest's JSON text; every failure is a TacitError('ERR_MALFORMED'). */
export function parseManifest(text: string): ModelManifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (cause) {
    throw new TacitError('ERR_MALFORMED', 'invalid model manifest: not JSON', { cause });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not an object');
  const m = v as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) throw bad(`format must be ${MANIFEST_FORMAT}`);
  const config = validateConfig(m.config);
  if (!Number.isSafeInteger(m.blockSize) || (m.blockSize as number) <= 0) throw bad('blockSize');
  // A bare file name, so a manifest cannot point the loader at files outside its folder.
  if (typeof m.onnx !== 'string' || !/^[A-Za-z0-9._-]+\.onnx$/.test(m.onnx) || m.onnx.startsWith('.')) {
    throw bad('onnx must be a file name ending in .onnx');
  }
  if (typeof m.digest !== 'string' || !/^[0-9a-f]{64}$/.test(m.digest))
    throw bad('digest must be sha256 hex');
  if (!Number.isSafeInteger(m.params) || (m.params as number) < 0) throw bad('params');
  return {
    format: MANIFEST_FORMAT,
    config,
    blockSize: m.blockSize as number,
    onnx: m.onnx,
    digest: m.digest,
    params: m.params as number,
  };
}

export function serializeManifest(m: ModelManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
