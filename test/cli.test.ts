import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/tacit.js', import.meta.url).pathname;

describe('tacit command', () => {
  it('lists its subcommands with --help', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: tacit <command>/);
  });

  it('refuses an unknown subcommand with exit code 2', () => {
    expect(() => execFileSync(process.execPath, [bin, 'nope'], { stdio: 'pipe' })).toThrow(/unknown command/);
  });
});
