/**
 * The trust layer's signing keys, kept in the gateway's state directory (mode 0600, created on first
 * start, never logged):
 *
 *   receipt.key   32-byte Ed25519 seed, hex: signs receipts (its public key is in the manifest)
 *   log.key       c2sp.org/signed-note signer key text: signs checkpoints (verifier key in the manifest)
 *
 * Inside an enclave this directory lives on the enclave's own storage; the keys are bound to the
 * enclave by the attested manifest, not by where they are kept.
 *
 * Receipts are signed with node:crypto synchronously: the log needs the entry (signature included) in
 * the same step that hands out its index (log/log.ts).
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, concat, hexToBytes } from '../../shared/bytes.ts';
import { invalidArgument } from '../../shared/errors.ts';
import {
  ed25519PublicKeyOfSeed,
  formatVerifierKey,
  generateNoteKey,
  type NoteSigner,
  PKCS8_ED25519_PREFIX,
  parseSignerKey,
} from '../../shared/note/keys.ts';

export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  /** Synchronous Ed25519 signature (RFC 8032). */
  sign(message: Uint8Array): Uint8Array;
}

export function ed25519Signer(seed: Uint8Array, publicKey: Uint8Array): Ed25519Signer {
  if (seed.length !== 32) throw invalidArgument('Ed25519 seed must be 32 bytes');
  const key: KeyObject = createPrivateKey({
    key: Buffer.from(concat(PKCS8_ED25519_PREFIX, seed)),
    format: 'der',
    type: 'pkcs8',
  });
  // The key is parsed once into a KeyObject; signing then costs only the Ed25519 operation.
  return { publicKey, sign: (m) => sign(null, m, key) };
}

/** Writes a secret file atomically with mode 0600. */
export function writeSecret(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export interface TrustKeys {
  readonly receipt: Ed25519Signer;
  readonly log: NoteSigner & { publicKey: Uint8Array };
  readonly logVerifierKey: string;
}

export async function loadOrCreateTrustKeys(dir: string, origin: string): Promise<TrustKeys> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const receiptPath = join(dir, 'receipt.key');
  if (!existsSync(receiptPath))
    writeSecret(receiptPath, `${bytesToHex(crypto.getRandomValues(new Uint8Array(32)))}\n`);
  const seed = hexToBytes(readFileSync(receiptPath, 'utf8').trim());
  const receipt = ed25519Signer(seed, await ed25519PublicKeyOfSeed(seed));

  const logPath = join(dir, 'log.key');
  if (!existsSync(logPath)) writeSecret(logPath, `${(await generateNoteKey(origin)).signerKey}\n`);
  const log = await parseSignerKey(readFileSync(logPath, 'utf8').trim());
  if (log.name !== origin) throw invalidArgument(`${logPath} is the key of log ${log.name}, not ${origin}`);
  return { receipt, log, logVerifierKey: await formatVerifierKey(log.name, log.publicKey) };
}
