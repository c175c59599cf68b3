/**
 * The `dev` attestation provider: no hardware, no isolation. It signs the dev evidence format
 * (shared/attestation/dev.ts) with a development platform key, so the whole verification path runs on
 * a laptop and in CI. A client accepts it only when given that platform's public key explicitly
 * (policy `provider: 'dev'`), and every result says DEV_WARNING.
 *
 * The platform key is a 32-byte Ed25519 seed in hex, in a file the operator controls (created with
 * mode 0600 if missing); its public key is written beside it as `<file>.pub` (hex) to hand to clients.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createDevEvidence, DEV_WARNING } from '../../shared/attestation/dev.ts';
import { bytesToHex, hexToBytes } from '../../shared/bytes.ts';
import { ed25519PublicKeyOfSeed, importEd25519Seed } from '../../shared/note/keys.ts';
import type { AttestationRequest, Attester } from './types.ts';

export interface DevAttesterOptions {
  /** Hex SHA-256 measurement (measure.ts). */
  measurement: string;
  /** The platform seed, or a file holding it in hex (created when missing). */
  platformKey: Uint8Array | string;
  now?: () => number;
}

export interface DevAttester extends Attester {
  readonly provider: 'dev';
  /** What clients must be told to trust (32 bytes). */
  readonly platformPublicKey: Uint8Array;
}

function platformSeed(key: Uint8Array | string): Uint8Array {
  if (key instanceof Uint8Array) return key;
  if (!existsSync(key)) {
    const tmp = `${key}.tmp-${process.pid}`;
    writeFileSync(tmp, `${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}\n`, { mode: 0o600 });
    renameSync(tmp, key);
  }
  return hexToBytes(readFileSync(key, 'utf8').trim());
}

export async function createDevAttester(opts: DevAttesterOptions): Promise<DevAttester> {
  const seed = platformSeed(opts.platformKey);
  const signing = await importEd25519Seed(seed);
  const platformPublicKey = await ed25519PublicKeyOfSeed(seed);
  if (typeof opts.platformKey === 'string') {
    writeFileSync(`${opts.platformKey}.pub`, `${bytesToHex(platformPublicKey)}\n`);
  }
  const now = opts.now ?? Date.now;
  return {
    provider: 'dev',
    measurement: opts.measurement,
    warning: DEV_WARNING,
    platformPublicKey,
    attest: (req: AttestationRequest) =>
      createDevEvidence(
        {
          measurement: opts.measurement,
          manifestHash: bytesToHex(req.userData),
          nonce: req.nonce,
          timestamp: Math.floor(now()),
        },
        signing,
      ),
  };
}
