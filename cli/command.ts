/** What every `tacit` subcommand module exports. Modules keep heavy imports inside `run`, so that
 * `tacit --help` loads nothing but these descriptions. */
export interface Command {
  /** One line for `tacit --help`. */
  summary: string;
  /** Full usage text for `tacit <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Thrown for bad command-line usage; main prints the message and the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
