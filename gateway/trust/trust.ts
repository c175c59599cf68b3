/**
 * The gateway's trust layer, composed: signing keys, the transparency log, the receipt issuer, the
 * key manifest and the attestation provider. The gateway creates one at start (gateway.ts), mounts
 * its routes (routes.ts) and issues a receipt for every answer (answer.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KeyConfig } from '../../shared/keys/index.ts';
import { encodeKeyConfig } from '../../shared/keys/index.ts';
import { receiptKeyId } from '../../shared/receipt/receipt.ts';
import { loadOrCreateTrustKeys } from './keys.ts';
import { TransparencyLog } from './log/log.ts';
import { type BuiltManifest, buildManifest, type Provider } from './manifest.ts';
import { ReceiptIssuer } from './receipts.ts';

/**
 * What the gateway needs of an attestation provider (enclave/attestation implements it; the gateway
 * takes it as a value so that it imports nothing of enclave/ but its public entry).
 */
export interface GatewayAttester {
  readonly provider: Provider;
  readonly measurement: string;
  readonly warning?: string;
  attest(req: { nonce: Uint8Array; userData: Uint8Array }): Promise<Uint8Array>;
}

export interface TrustOptions {
  /** State directory: receipt.key, log.key and the log's entries file. */
  dir: string;
  /** The log's origin (checkpoint first line and note key name), e.g. `tacit.local/receipts`. */
  origin: string;
  attester: GatewayAttester;
  /** `sha256:<hex>` of every model the gateway may answer with. */
  models: readonly string[];
  /** The active key configurations, as /ohttp-keys serves them. */
  keys: () => readonly KeyConfig[];
  /** How long a manifest stays valid (default 24 h); it is rebuilt at half-life or on key change. */
  manifestTtlMs?: number;
  now?: () => number;
  log?: Logger;
}

export interface Trust {
  readonly issuer: ReceiptIssuer;
  readonly log: TransparencyLog;
  readonly attester: GatewayAttester;
  readonly receiptPublicKey: Uint8Array;
  readonly logVerifierKey: string;
  /** The manifest for the current key set (cached). */
  manifest(): BuiltManifest;
  attest(nonce: Uint8Array): Promise<{
    provider: Provider;
    evidence: Uint8Array;
    manifest: Uint8Array;
    warning?: string;
  }>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export async function createTrust(opts: TrustOptions): Promise<Trust> {
  const now = opts.now ?? Date.now;
  const ttl = opts.manifestTtlMs ?? DAY_MS;
  const keys = await loadOrCreateTrustKeys(opts.dir, opts.origin);
  const log = await TransparencyLog.open({
    path: join(opts.dir, 'receipts.log'),
    origin: opts.origin,
    signer: keys.log,
  });
  if (log.recoveredCutBytes > 0) {
    // Only bytes written after the last sync are ever cut; nothing acknowledged is lost.
    opts.log?.warn(
      { cutBytes: log.recoveredCutBytes, size: log.size },
      'transparency log recovered a torn tail',
    );
  }
  const issuer = new ReceiptIssuer({
    signer: keys.receipt,
    kid: await receiptKeyId(keys.receipt.publicKey),
    measurement: opts.attester.measurement,
    log,
    now,
  });

  let cached: { keyBytes: string; built: BuiltManifest; refreshAt: number } | undefined;
  const manifest = (): BuiltManifest => {
    const current = opts.keys();
    const keyBytes = current.map((k) => Buffer.from(encodeKeyConfig(k)).toString('hex')).join(',');
    const t = now();
    if (cached === undefined || cached.keyBytes !== keyBytes || t >= cached.refreshAt) {
      const built = buildManifest({
        provider: opts.attester.provider,
        keys: current,
        receiptKey: keys.receipt.publicKey,
        log: { origin: opts.origin, verifierKey: keys.logVerifierKey },
        models: opts.models,
        now: t,
        ttlMs: ttl,
      });
      cached = { keyBytes, built, refreshAt: t + ttl / 2 };
    }
    return cached.built;
  };

  return {
    issuer,
    log,
    attester: opts.attester,
    receiptPublicKey: keys.receipt.publicKey,
    logVerifierKey: keys.logVerifierKey,
    manifest,
    async attest(nonce) {
      const m = manifest();
      const evidence = await opts.attester.attest({ nonce, userData: m.hash });
      return {
        provider: opts.attester.provider,
        evidence,
        manifest: m.bytes,
        ...(opts.attester.warning === undefined ? {} : { warning: opts.attester.warning }),
      };
    },
    close: () => log.close(),
  };
}
