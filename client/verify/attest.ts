/**
 * Attestation before first use: the client fetches the gateway's evidence for a fresh nonce of its
 * own, checks it under its policy (shared/attestation), and checks that the evidence binds the
 * manifest it came with (user data = SHA-256 of the manifest bytes). Only then does it use any key,
 * receipt key or log key named in that manifest.
 */
import { verifyAttestation } from '../../shared/attestation/verify.ts';
import { equalBytes } from '../../shared/bytes.ts';
import { TacitError } from '../../shared/errors.ts';
import { encodeKeyConfig, type KeyConfig } from '../../shared/keys/index.ts';
import { type Manifest, parseManifest } from '../../shared/manifest.ts';
import { bufferSource } from '../../shared/merkle/hash.ts';
import { decodeBase64Url, encodeBase64Url } from '../../shared/note/base64.ts';
import { receiptKeyId } from '../../shared/receipt/receipt.ts';
import { attestationPolicy, type TrustPolicy } from './policy.ts';

export interface VerifiedGateway {
  readonly manifest: Manifest;
  readonly manifestHash: Uint8Array;
  readonly provider: 'dev' | 'aws-nitro';
  /** True for development evidence: no enclave stands behind it. */
  readonly dev: boolean;
  readonly measurement: string;
  readonly receiptKid: string;
  readonly warnings: readonly string[];
  /** Whether the manifest lists this exact key configuration. */
  covers(config: KeyConfig): boolean;
}

const verifyError = (message: string, cause?: unknown) => new TacitError('ERR_VERIFY', message, { cause });

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(b)));
}

export async function attestGateway(
  policy: TrustPolicy,
  transport: typeof fetch,
  now: () => number,
): Promise<VerifiedGateway> {
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  const url = new URL(String(policy.attestation));
  url.searchParams.set('nonce', encodeBase64Url(nonce));
  let body: { provider?: unknown; evidence?: unknown; manifest?: unknown };
  try {
    const res = await transport(url, { headers: { accept: 'application/json' } });
    if (!res.ok) {
      await res.body?.cancel();
      throw verifyError(`attestation: ${url.origin} answered ${res.status}`);
    }
    body = (await res.json()) as typeof body;
  } catch (e) {
    if (e instanceof TacitError) throw e;
    throw new TacitError('ERR_TRANSPORT', `could not fetch attestation from ${url.origin}`, { cause: e });
  }
  if (
    (body?.provider !== 'dev' && body?.provider !== 'aws-nitro') ||
    typeof body.evidence !== 'string' ||
    typeof body.manifest !== 'string'
  ) {
    throw verifyError('attestation response is malformed');
  }
  if (body.provider !== policy.provider) {
    throw verifyError(
      `attestation is from provider ${body.provider}; the policy accepts ${policy.provider} only`,
    );
  }
  const manifestBytes = decodeBase64Url(body.manifest, 'manifest');
  const manifestHash = await sha256(manifestBytes);
  const document = decodeBase64Url(body.evidence, 'attestation evidence');
  // Binds nonce (freshness) and manifest hash (keys, receipt key, log key, models) in one check.
  const result = await verifyAttestation(
    { provider: body.provider, document },
    attestationPolicy(policy, nonce, manifestHash),
    new Date(now()),
  );
  if (!result.userData || !equalBytes(result.userData, manifestHash)) {
    throw verifyError('attestation does not bind the manifest it came with');
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestBytes);
  } catch (e) {
    throw verifyError('attested manifest is malformed', e);
  }
  if (manifest.provider !== result.provider) throw verifyError('manifest names another provider');
  if (manifest.expires * 1000 <= now()) throw verifyError('attested manifest has expired');
  const accepted = policy.measurements ?? [];
  if (accepted.length > 0 && !accepted.map((m) => m.toLowerCase()).includes(result.measurement)) {
    throw verifyError(`attested measurement ${result.measurement} is not one the policy accepts`);
  }
  if (policy.models !== undefined && !manifest.models.some((m) => policy.models!.includes(m))) {
    throw verifyError(
      `the gateway serves none of the accepted models (it serves ${manifest.models.join(', ')})`,
    );
  }
  const keys = manifest.keys;
  return {
    manifest,
    manifestHash,
    provider: result.provider,
    dev: result.dev,
    measurement: result.measurement,
    receiptKid: await receiptKeyId(manifest.receiptKey),
    warnings: result.warnings,
    covers: (config) => {
      const enc = encodeKeyConfig(config);
      return keys.some((k) => equalBytes(k, enc));
    },
  };
}
