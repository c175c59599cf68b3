/**
 * Real `tacit` processes for end-to-end tests: spawned as `node bin/tacit.js ...`, ready when they
 * log that they listen (JSON lines on stdout), stopped with SIGTERM and awaited.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const bin = new URL('../../../bin/tacit.js', import.meta.url).pathname;

export interface Proc {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves to the exit code after SIGTERM (or a signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

export function spawnTacit(
  args: string[],
  ready: (line: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Proc & { readyLine: Record<string, unknown> }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tacit ${args[0]} did not start: ${stderr}`));
    }, timeoutMs);
    let buf = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.stdout!.on('data', (d) => {
      buf += d;
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(parsed);
        if (ready(parsed)) {
          clearTimeout(timer);
          resolve({
            child,
            logs,
            exited,
            readyLine: parsed,
            stop: async (signal = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tacit ${args[0]} exited (${code}) before it was ready: ${stderr}`));
    });
  });
}

export async function startGatewayProcess(args: string[]): Promise<Proc & { url: string }> {
  const p = await spawnTacit(
    ['gateway', '--port', '0', '--log-level', 'info', ...args],
    (l) => l.msg === 'gateway listening',
  );
  return Object.assign(p, { url: p.readyLine.url as string });
}

export async function startRelayProcess(gatewayUrl: string): Promise<Proc & { url: string }> {
  const p = await spawnTacit(
    [
      'relay',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--gateway',
      `${gatewayUrl}/gateway`,
      '--log-level',
      'info',
    ],
    (l) => l.msg === 'relay listening',
  );
  return Object.assign(p, { url: `http://127.0.0.1:${p.readyLine.port as number}` });
}
