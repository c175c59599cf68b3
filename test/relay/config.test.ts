/** The relay configuration: precedence, validation that lists every error, redaction, immutability. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRelayConfig, ConfigError, redactedConfig } from '../../relay/config.ts';

const gw = ['--gateway', 'http://127.0.0.1:9000/gateway'];

describe('relay configuration', () => {
  it('fills defaults and derives the key URL from the gateway origin', () => {
    const c = buildRelayConfig({ argv: ['--port', '8080', ...gw] });
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.maxBodyBytes).toBe(1024 * 1024);
    expect(c.gateways).toEqual([
      { name: 'default', url: 'http://127.0.0.1:9000/gateway', keysUrl: 'http://127.0.0.1:9000/ohttp-keys' },
    ]);
  });

  it('applies defaults < file < environment < flags', () => {
    const c = buildRelayConfig({
      file: { port: 1, rateBurst: 5, ratePerSecond: 2, maxConcurrent: 7, gateways: ['http://127.0.0.1:1/a'] },
      env: {
        TACIT_RELAY_PORT: '2',
        TACIT_RELAY_BURST: '6',
        TACIT_RELAY_GATEWAYS: 'x=http://127.0.0.1:2/b,http://127.0.0.1:3/c',
      },
      argv: ['--port=3'],
    });
    expect([c.port, c.rateBurst, c.ratePerSecond, c.maxConcurrent]).toEqual([3, 6, 2, 7]);
    expect(c.gateways.map((g) => g.name)).toEqual(['x', 'gateway1']);
  });

  it('reads the connection cap from flag, environment and file, and defaults it', () => {
    expect(buildRelayConfig({ argv: ['--port', '1', ...gw] }).maxConnections).toBe(10_000);
    expect(buildRelayConfig({ argv: ['--port', '1', '--max-connections', '5', ...gw] }).maxConnections).toBe(
      5,
    );
    expect(
      buildRelayConfig({ argv: ['--port', '1', ...gw], env: { TACIT_RELAY_MAX_CONNECTIONS: '6' } })
        .maxConnections,
    ).toBe(6);
    expect(
      buildRelayConfig({ argv: ['--port', '1', ...gw], file: { maxConnections: 7 } }).maxConnections,
    ).toBe(7);
    expect(() => buildRelayConfig({ argv: ['--port', '1', '--max-connections', '0', ...gw] })).toThrow(
      /maxConnections must be an integer/,
    );
  });

  it('reads a config file named by --config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
    const file = join(dir, 'relay.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 9,
        gateways: [{ name: 'g', url: 'https://gw.example/o', keysUrl: 'https://keys.example/k' }],
      }),
    );
    const c = buildRelayConfig({ argv: ['--config', file] });
    expect(c.port).toBe(9);
    expect(c.gateways[0]).toEqual({
      name: 'g',
      url: 'https://gw.example/o',
      keysUrl: 'https://keys.example/k',
    });
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      buildRelayConfig({
        argv: [
          '--port',
          '70000',
          '--gateway',
          'ftp://x',
          '--gateway',
          'ohttp-keys=http://a/',
          '--rate',
          '-1',
          '--nope',
          '1',
        ],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(
      /unknown option --nope[\s\S]*port[\s\S]*ratePerSecond[\s\S]*http or https[\s\S]*not allowed/,
    );
    expect((err as ConfigError).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('requires a port and a gateway', () => {
    expect(() => buildRelayConfig({ argv: [] })).toThrow(/port is required[\s\S]*at least one gateway/);
  });

  it('refuses duplicate gateway names and key URLs for unknown gateways', () => {
    expect(() =>
      buildRelayConfig({
        argv: [
          '--port',
          '1',
          '--gateway',
          'a=http://h/1',
          '--gateway',
          'a=http://h/2',
          '--keys-url',
          'b=http://h/k',
        ],
      }),
    ).toThrow(/used twice[\s\S]*unknown gateway b/);
  });

  it('is frozen', () => {
    const c = buildRelayConfig({ argv: ['--port', '1', ...gw] });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.gateways[0])).toBe(true);
  });

  it('redacts credentials and query strings of URLs when logged', () => {
    const c = buildRelayConfig({
      argv: ['--port', '1', '--gateway', 'https://user:s3cret@gw.example/o?token=abc'],
    });
    const shown = JSON.stringify(redactedConfig(c));
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('abc');
    expect(shown).not.toContain('user');
    expect(c.gateways[0]!.url).toContain('s3cret');
  });
});
