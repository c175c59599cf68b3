/**
 * Where the client's key configurations come from: bytes given at creation, or a URL fetched through
 * the transport (normally the relay's `/relay/ohttp-keys`, so that every client sees the same bytes and
 * none can be singled out with its own key, RFC 9458 9.2). Fetched lists are cached for their
 * `Cache-Control: max-age` and refreshed at most once per failure when the gateway answers with the
 * `ohttp-key` problem (RFC 9458 5.3).
 */

import { TacitError } from '../shared/errors.ts';
import { chooseSuite, decodeKeyConfig, decodeKeyConfigList, type KeyConfig } from '../shared/keys/index.ts';
import { MEDIA_TYPES } from '../shared/ohttp/index.ts';

export type KeysInput = string | URL | Uint8Array | readonly KeyConfig[];

/** Used when a key list arrives without a usable max-age: short, so a rotation is picked up soon. */
const DEFAULT_TTL_MS = 60_000;

export interface KeySource {
  /** The configuration to encrypt to now. */
  current(): Promise<KeyConfig>;
  /** Forgets a cached list (after an `ohttp-key` problem); false if the keys are fixed bytes. */
  invalidate(): boolean;
}

/**
 * Parses an `application/ohttp-keys` body. Some deployed gateways still serve a single bare
 * configuration (the pre-RFC form); accept that too, since the length prefix makes them distinguishable.
 */
export function parseKeysBody(body: Uint8Array): KeyConfig[] {
  try {
    return decodeKeyConfigList(body);
  } catch (listError) {
    try {
      return [decodeKeyConfig(body)];
    } catch {
      throw listError;
    }
  }
}

function pick(configs: readonly KeyConfig[], keyId: number | undefined): KeyConfig {
  const usable = configs.filter(
    (c) => (keyId === undefined || c.keyId === keyId) && chooseSuite(c) !== undefined,
  );
  const chosen = usable[0];
  if (chosen === undefined) {
    throw new TacitError(
      'ERR_UNKNOWN_KEY',
      keyId === undefined ? 'no usable key configuration' : `no usable key configuration with id ${keyId}`,
    );
  }
  return chosen;
}

function maxAgeMs(cacheControl: string | null): number {
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '');
  if (m === null || /no-store|no-cache/i.test(cacheControl ?? '')) return DEFAULT_TTL_MS;
  return Number(m[1]) * 1000;
}

export function keySource(
  input: KeysInput,
  transport: typeof fetch,
  options: { keyId?: number; now: () => number },
): KeySource {
  if (input instanceof Uint8Array || Array.isArray(input)) {
    const configs = input instanceof Uint8Array ? parseKeysBody(input) : (input as readonly KeyConfig[]);
    const fixed = pick(configs, options.keyId);
    return { current: async () => fixed, invalidate: () => false };
  }
  const url = new URL(String(input));
  let cached: { config: KeyConfig; expires: number } | undefined;
  let inflight: Promise<KeyConfig> | undefined;

  async function load(): Promise<KeyConfig> {
    let res: Response;
    try {
      res = await transport(url, { headers: { accept: MEDIA_TYPES.keys } });
    } catch (cause) {
      throw new TacitError('ERR_TRANSPORT', `could not fetch key configurations from ${url.origin}`, {
        cause,
      });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new TacitError('ERR_TRANSPORT', `key configurations: ${url.origin} answered ${res.status}`);
    }
    const config = pick(parseKeysBody(new Uint8Array(await res.arrayBuffer())), options.keyId);
    cached = { config, expires: options.now() + maxAgeMs(res.headers.get('cache-control')) };
    return config;
  }

  return {
    current() {
      if (cached !== undefined && cached.expires > options.now()) return Promise.resolve(cached.config);
      // One fetch at a time: concurrent requests share it instead of each asking the relay.
      inflight ??= load().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
      return true;
    },
  };
}
