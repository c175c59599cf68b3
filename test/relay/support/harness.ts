/**
 * Starting a relay in front of gateways for a test, and a client that can choose its loopback source
 * address (127.0.0.2, 127.0.0.3, ...) so that rate limits can be shown to be per client.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { Agent, request } from 'undici';
import { buildRelayConfig } from '../../../relay/config.ts';
import { type Relay, startRelay } from '../../../relay/server.ts';
import type { GatewayUnderTest } from './gateway-standin.ts';

export interface TestRelay {
  relay: Relay;
  /** Everything the relay logged, one JSON line each. */
  logs: string[];
  close(): Promise<void>;
}

export async function startTestRelay(
  gateways: readonly (GatewayUnderTest | { name: string; gateway: GatewayUnderTest })[],
  settings: Record<string, unknown> = {},
  opts: { now?: () => number } = {},
): Promise<TestRelay> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const file = {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'debug',
    gateways: gateways.map((g) =>
      'gateway' in g
        ? { name: g.name, url: g.gateway.url, keysUrl: g.gateway.keysUrl }
        : { url: g.url, keysUrl: g.keysUrl },
    ),
    ...settings,
  };
  const config = buildRelayConfig({ file, env: {} });
  const relay = await startRelay(config, { logger: pino({ level: 'debug' }, sink), ...opts });
  return { relay, logs, close: () => relay.close(1_000) };
}

const agents = new Map<string, Agent>();
/** One keep-alive agent per loopback source address. */
export function agentFrom(localAddress = '127.0.0.1'): Agent {
  let a = agents.get(localAddress);
  if (a === undefined) {
    a = new Agent({ localAddress });
    agents.set(localAddress, a);
  }
  return a;
}

/** Drops a client abruptly, as a client that goes away mid-request. */
export async function destroyAgent(localAddress: string): Promise<void> {
  await agents.get(localAddress)?.destroy();
  agents.delete(localAddress);
}

export async function closeAgents(): Promise<void> {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents.clear();
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function post(
  url: string,
  body: Uint8Array | string = 'ciphertext',
  headers: Record<string, string> = { 'content-type': 'message/ohttp-req' },
  from?: string,
  method = 'POST',
): Promise<Answer> {
  const r = await request(url, { method: method as 'POST', headers, body, dispatcher: agentFrom(from) });
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(c as Buffer);
  return { status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) };
}
