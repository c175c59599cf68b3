/**
 * `tacit`: one command for every party. Each subcommand lives in `cli/commands/<name>.ts` and is
 * found by its file name, so adding a command is adding a file.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, UsageError } from './command.ts';

const commandsDir = fileURLToPath(new URL('./commands/', import.meta.url));

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function load(name: string): Promise<Command> {
  const mod = (await import(new URL(`./commands/${name}.ts`, import.meta.url).href)) as { command: Command };
  return mod.command;
}

async function help(): Promise<string> {
  const lines = [
    'tacit: private, verifiable LLM inference over Oblivious HTTP',
    '',
    'Usage: tacit <command> [options]',
    '',
    'Commands:',
  ];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await load(name)).summary}`);
  lines.push('', 'Run `tacit <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await help()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (!commandNames().includes(name)) {
    process.stderr.write(`tacit: unknown command '${name}'\n\n${await help()}\n`);
    return 2;
  }
  const command = await load(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tacit ${name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    throw err;
  }
}
