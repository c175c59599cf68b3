import { describe, expect, it } from 'vitest';
import { buildConfig, DEFAULTS, parseTarget, redactedConfig } from '../../gateway/config.ts';
import { parseDuration } from '../../gateway/options.ts';

describe('gateway configuration', () => {
  it('builds a frozen object from defaults, environment and flags, flags winning', () => {
    const { config, errors } = buildConfig(['--keys', 'k.json', '--port=9000'], {
      TACIT_GATEWAY_PORT: '7000',
      TACIT_GATEWAY_NAME: 'inference.example',
    });
    expect(errors).toEqual([]);
    expect(config!.port).toBe(9000);
    expect(config!.name).toBe('inference.example');
    expect(config!.maxConcurrent).toBe(DEFAULTS.maxConcurrent);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config!.targets)).toBe(true);
  });

  it('lists every error at once', () => {
    const { config, errors } = buildConfig([
      '--port',
      'x',
      '--bogus',
      '--max-concurrent',
      '0',
      '--target',
      'nope',
    ]);
    expect(config).toBeNull();
    expect(errors).toHaveLength(5);
    expect(errors.join('\n')).toMatch(/--port/);
    expect(errors.join('\n')).toMatch(/--keys FILE is required/);
    expect(errors.join('\n')).toMatch(/unknown option --bogus/);
    expect(errors.join('\n')).toMatch(/--max-concurrent/);
    expect(errors.join('\n')).toMatch(/ORIGIN=URL/);
  });

  it('keeps the grace period at least as long as clients may cache the key list', () => {
    const { errors } = buildConfig(['--keys', 'k', '--keys-max-age', '10m', '--grace', '1m']);
    expect(errors).toEqual(['--keys-max-age must not exceed --grace']);
  });

  it('reads repeated --target flags, replacing the environment list', () => {
    const { config } = buildConfig(
      [
        '--keys',
        'k',
        '--target',
        'https://a.example=http://127.0.0.1:1',
        '--target',
        'https://b.example=http://127.0.0.1:2/',
      ],
      { TACIT_GATEWAY_TARGETS: 'https://c.example=http://127.0.0.1:3' },
    );
    expect(config!.targets).toEqual([
      { origin: 'https://a.example', url: 'http://127.0.0.1:1' },
      { origin: 'https://b.example', url: 'http://127.0.0.1:2' },
    ]);
  });

  it('refuses a target that is not a bare origin, or that shadows the built-in name', () => {
    expect(parseTarget('https://a.example/path=http://x')).toMatch(/bare origin/);
    expect(parseTarget('https://a.example=ftp://x')).toMatch(/http/);
    expect(buildConfig(['--keys', 'k', '--target', 'https://tacit.local=http://x']).errors[0]).toMatch(
      /built-in/,
    );
  });

  it('redacts upstream credentials when logged', () => {
    const { config } = buildConfig([
      '--keys',
      'k',
      '--target',
      'https://a.example=http://user:secret@127.0.0.1:1/?key=s',
    ]);
    const shown = JSON.stringify(redactedConfig(config!));
    expect(shown).not.toMatch(/secret|key=s/);
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeUndefined();
  });
});
