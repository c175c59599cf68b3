/**
 * Verification on the client (`createClient({ trust })`): attestation before first use, key
 * configurations checked against the attested manifest, each answer's receipt, and the transparency
 * log's checkpoints. Web APIs only, like the rest of the SDK.
 */
import { TacitError } from '../../shared/errors.ts';
import type { KeyConfig } from '../../shared/keys/index.ts';
import { attestGateway, type VerifiedGateway } from './attest.ts';
import { LogFollower } from './log.ts';
import type { TrustPolicy } from './policy.ts';
import { checkReceipt, type VerifiedReceipt } from './receipt.ts';

export { type Manifest, parseManifest } from '../../shared/manifest.ts';
export type { VerifiedGateway } from './attest.ts';
export { LogFollower } from './log.ts';
export type { TrustPolicy } from './policy.ts';
export { checkReceipt, type VerifiedReceipt } from './receipt.ts';

export interface TrustVerifier {
  readonly policy: TrustPolicy;
  /** The attested gateway (attesting on first use, again when the manifest expires). */
  gateway(): Promise<VerifiedGateway>;
  /**
   * Checks that `config` is one the attested manifest lists; attests once more if not (the gateway
   * may have rotated its keys), then refuses with ERR_VERIFY.
   */
  checkKey(config: KeyConfig): Promise<VerifiedGateway>;
  checkReceipt(
    field: string | undefined,
    request: Uint8Array,
    response: Uint8Array,
  ): Promise<VerifiedReceipt>;
  /** The log follower (undefined without `policy.log`), available after the first attestation. */
  log(): Promise<LogFollower | undefined>;
}

export function createTrustVerifier(
  policy: TrustPolicy,
  transport: typeof fetch,
  now: () => number = Date.now,
): TrustVerifier {
  let current: Promise<VerifiedGateway> | undefined;
  let follower: LogFollower | undefined;
  let followerLog = '';
  const attest = (): Promise<VerifiedGateway> => {
    const p = attestGateway(policy, transport, now);
    current = p;
    // A failed attestation is not cached: the next request tries again.
    p.catch(() => {
      if (current === p) current = undefined;
    });
    return p;
  };
  const gateway = async (): Promise<VerifiedGateway> => {
    const gw = await (current ?? attest());
    if (gw.manifest.expires * 1000 <= now()) return attest();
    return gw;
  };
  return {
    policy,
    gateway,
    async checkKey(config) {
      let gw = await gateway();
      if (gw.covers(config)) return gw;
      gw = await attest();
      if (gw.covers(config)) return gw;
      throw new TacitError(
        'ERR_VERIFY',
        `key configuration ${config.keyId} is not covered by the attested manifest: refusing to encrypt to it`,
      );
    },
    async checkReceipt(field, request, response) {
      return checkReceipt(await gateway(), policy, field, request, response);
    },
    async log() {
      if (policy.log === undefined) return undefined;
      const gw = await gateway();
      // The log key comes from the attested manifest; a manifest naming another log starts over.
      const { origin, key } = gw.manifest.log;
      if (follower === undefined || followerLog !== `${origin}\n${key}`) {
        follower = new LogFollower(policy.log, gw.manifest.log, transport);
        followerLog = `${origin}\n${key}`;
      }
      return follower;
    },
  };
}
