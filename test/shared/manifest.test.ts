/** The key manifest wire form: what the gateway encodes, the client parses back to the same meaning. */
import { describe, expect, it } from 'vitest';
import { encodeKeyConfig, generateOhttpKey } from '../../shared/keys/index.ts';
import { encodeManifest, parseManifest } from '../../shared/manifest.ts';

describe('key manifest', () => {
  it('round-trips, with models deduplicated and sorted', async () => {
    const { config } = await generateOhttpKey({ keyId: 3 });
    const models = [`sha256:${'bb'.repeat(32)}`, `sha256:${'aa'.repeat(32)}`, `sha256:${'bb'.repeat(32)}`];
    const { bytes, expires } = encodeManifest({
      provider: 'dev',
      keys: [config],
      receiptKey: new Uint8Array(32).fill(7),
      log: { origin: 'tacit.test/receipts', verifierKey: 'tacit.test/receipts+01020304+AQ' },
      models,
      now: 1_700_000_000_500,
      ttlMs: 3_600_000,
    });
    const m = parseManifest(bytes);
    expect(m.provider).toBe('dev');
    expect(m.keys).toEqual([encodeKeyConfig(config)]);
    expect(m.receiptKey).toEqual(new Uint8Array(32).fill(7));
    expect(m.log).toEqual({ origin: 'tacit.test/receipts', key: 'tacit.test/receipts+01020304+AQ' });
    expect(m.models).toEqual([`sha256:${'aa'.repeat(32)}`, `sha256:${'bb'.repeat(32)}`]);
    expect([m.issued, m.expires]).toEqual([1_700_000_000, expires]);
    expect(expires).toBe(1_700_003_600);
  });

  it('refuses bytes that are not the canonical form', () => {
    expect(() => parseManifest(new TextEncoder().encode('{ "v": 1 }'))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED' }),
    );
  });
});
