/**
 * The whole path on loopback, as in production: client SDK -> observer (what the relay sees) -> relay
 * -> gateway (with or without shaping) -> a target. `run` sends a batch of requests concurrently,
 * each from its own loopback address on its own connection, and returns each one's observation.
 */
import pino from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { createClient, type TacitClient } from '../../../client/index.ts';
import { buildConfig, type GatewayConfig } from '../../../gateway/config.ts';
import { type RunningGateway, startGateway } from '../../../gateway/server.ts';
import type { ShapingConfig } from '../../../gateway/shaping/index.ts';
import type { FetchLike } from '../../../gateway/targets.ts';
import { buildRelayConfig } from '../../../relay/config.ts';
import { type Relay, startRelay } from '../../../relay/server.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';
import type { PaddingPolicy } from '../../../shared/padding/index.ts';
import { keyStoreFile } from '../../gateway/support/harness.ts';
import { type Observation, type Observer, observe, outerHead, startObserver } from './observer.ts';

/**
 * @hono/node-server's `serve()` replaces the global Response with its own class, whose properties are
 * getter-only; the client SDK adds `trailers` to the Responses it returns, which that class refuses.
 * Servers and client share this process here (in production they never do), so the native class is
 * put back once the servers are up; hono's listener answers native Responses as well.
 */
const NativeResponse = globalThis.Response;

/** Whether the gateway's configuration carries shaping settings (gateway/config.ts wiring). */
export function shapingWired(): boolean {
  const built = buildConfig(['--keys', 'unused.json', '--shaping', 'on'], {});
  return built.config !== null && 'shaping' in built.config;
}

export interface LeakRequest {
  /** The secret attribute's class. */
  label: string;
  path: string;
  body: unknown;
}

export interface Sample {
  label: string;
  obs: Observation;
  status: number;
  text: string;
  /** Client side: ms from sending to the first decrypted content byte (time to first token). */
  ttft: number;
  /** Outer request and response heads (Date removed). */
  heads: { up: string; down: string };
}

export interface Stack {
  /** The relay's view of the key configurations (identical bytes for every client). */
  keys: Uint8Array;
  run(requests: LeakRequest[], concurrency?: number): Promise<Sample[]>;
  /** The key configurations as the relay serves them to a client at `localAddress`. */
  keysFrom(localAddress: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function startStack(options: {
  target: FetchLike;
  shaping: ShapingConfig;
  clientPadding?: PaddingPolicy;
}): Promise<Stack> {
  const keysFile = await keyStoreFile();
  const built = buildConfig(
    ['--keys', keysFile, '--port', '0', '--log-level', 'silent'],
    {},
    // Cast: until gateway/config.ts carries `shaping`, the override is ignored (see `shapingWired`).
    { shaping: options.shaping } as Partial<GatewayConfig>,
  );
  if (built.config === null) throw new Error(built.errors.join('; '));
  const gateway: RunningGateway = await startGateway({
    config: built.config,
    log: pino({ level: 'silent' }),
    builtin: options.target,
  });
  const relayConfig = buildRelayConfig({
    file: {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      ratePerSecond: 0,
      gateways: [{ url: `${gateway.url}/gateway`, keysUrl: `${gateway.url}/ohttp-keys` }],
    },
    env: {},
  });
  const relay: Relay = await startRelay(relayConfig, { logger: pino({ level: 'silent' }) });
  globalThis.Response = NativeResponse;
  const observer: Observer = await startObserver({ host: '127.0.0.1', port: relay.port });
  const keysRes = await fetch(`${observer.url}/relay/ohttp-keys`);
  const keys = new Uint8Array(await keysRes.arrayBuffer());

  const clientFor = (agent: Agent): TacitClient =>
    createClient({
      relay: `${observer.url}/relay`,
      keys,
      primitives: nodePrimitives,
      ...(options.clientPadding === undefined ? {} : { padding: options.clientPadding }),
      transport: ((input: RequestInfo | URL, init?: RequestInit) =>
        undiciFetch(input as string, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch,
    });

  async function one(
    r: LeakRequest,
    slot: number,
  ): Promise<Omit<Sample, 'obs' | 'heads'> & { remote: string }> {
    const remote = `127.0.0.${2 + slot}`;
    const agent = new Agent({ localAddress: remote, connections: 1, pipelining: 1 });
    try {
      const client = clientFor(agent);
      const stream = (r.body as { stream?: boolean }).stream === true;
      const sent = performance.now();
      const res = await client.fetch(`https://tacit.local${r.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
        body: JSON.stringify(r.body),
      });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      let ttft = -1;
      for (;;) {
        const c = await reader.read();
        if (c.done) break;
        if (ttft < 0 && c.value.length > 0) ttft = performance.now() - sent;
        text += dec.decode(c.value, { stream: true });
      }
      return { label: r.label, status: res.status, text, ttft, remote };
    } finally {
      await agent.close();
    }
  }

  return {
    keys,
    async run(requests, concurrency = 8) {
      const out: Sample[] = [];
      for (let i = 0; i < requests.length; i += concurrency) {
        const batch = requests.slice(i, i + concurrency);
        const first = observer.traces.length;
        const done = await Promise.all(batch.map((r, slot) => one(r, slot)));
        const traces = observer.traces.slice(first);
        await Promise.all(traces.map((t) => t.closed));
        for (const d of done) {
          const t = traces.find((x) => x.remote === d.remote);
          if (t === undefined) throw new Error(`no trace for ${d.remote}`);
          out.push({
            label: d.label,
            status: d.status,
            text: d.text,
            ttft: d.ttft,
            obs: observe(t),
            heads: { up: outerHead(t.upBytes), down: outerHead(t.downBytes) },
          });
        }
      }
      return out;
    },
    async keysFrom(localAddress) {
      const agent = new Agent({ localAddress });
      try {
        const res = await undiciFetch(`${observer.url}/relay/ohttp-keys`, { dispatcher: agent });
        return new Uint8Array(await res.arrayBuffer());
      } finally {
        await agent.close();
      }
    },
    async close() {
      await observer.close();
      await relay.close(1000);
      await gateway.close();
    },
  };
}
