/** `tacit bench <name>`: the benchmarks of bench/ (the same as `npm run bench -- <name>`). */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, UsageError } from '../command.ts';

const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url));

function names(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export const command: Command = {
  summary: 'run a benchmark against its baseline and print the table',
  get usage() {
    return `Usage: tacit bench <${names().join('|')}> [args]

Each benchmark compares against a named baseline in the same run, prints a table with the ratio,
and writes JSON to bench/results/<name>.json.`;
  },
  async run(argv) {
    const [name, ...args] = argv;
    if (name === undefined || !names().includes(name))
      throw new UsageError(`choose one of: ${names().join(', ')}`);
    const child = spawn(process.execPath, ['--import', 'tsx', `${benchDir}run.ts`, name, ...args], {
      stdio: 'inherit',
    });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};
