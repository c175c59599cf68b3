/**
 * Composition: one gateway from its configuration. Loads the key store, builds the replay guard,
 * the admission limit, the targets and the routes, and owns rotation (scheduled and on reload).
 * No sockets here (see server.ts), so tests drive it through `app.request()`.
 */
import type { Hono } from 'hono';
import pino, { type Logger } from 'pino';
import { isTacitError } from '../shared/errors.ts';
import { createGatewayApp } from './app.ts';
import { handleChunkedRequest } from './chunked.ts';
import type { GatewayConfig } from './config.ts';
import { Deadlines } from './deadlines.ts';
import { createEchoApp } from './echo-target.ts';
import type { GatewayDeps } from './handle.ts';
import { KeyRing } from './keys/ring.ts';
import { readStore, writeStore } from './keys/store.ts';
import { ConcurrencyLimit } from './limits.ts';
import { createGatewayMetrics } from './metrics.ts';
import { ReplayGuard } from './replay.ts';
import { createDispatcher, type FetchLike } from './targets.ts';
import { createGatewayTrust, ECHO_DIGEST, type GatewayTrustOptions } from './trust/wire.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  log?: Logger;
  /** Replaces the built-in target (tests); by default `--model builtin` starts the enclave's API. */
  builtin?: FetchLike;
  /** The clock (tests). */
  now?: () => number;
  /** Attestation, receipts and the transparency log (docs/trust.md); absent: none of them. */
  trust?: GatewayTrustOptions;
}

export interface Gateway {
  readonly app: Hono;
  readonly deps: GatewayDeps;
  /** Re-reads the key store (SIGHUP): new keys are published, vanished ones enter grace. */
  reload(): Promise<void>;
  /** Publishes a fresh key now; the previous ones decrypt for the grace period. */
  rotate(): Promise<void>;
  /** Stops timers and the built-in target. */
  close(): Promise<void>;
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  const log = opts.log ?? pino({ level: config.logLevel });
  const now = opts.now ?? Date.now;
  const ring = new KeyRing(config.graceMs);
  const metrics = createGatewayMetrics();

  const persist = () => {
    try {
      writeStore(config.keysFile, ring.toStore());
    } catch (err) {
      // The keys still work from memory; only a restart would lose the new one.
      log.warn(
        { err: { name: (err as Error).name, code: (err as { code?: string }).code } },
        'key store not written',
      );
    }
  };
  const report = (event: string) => {
    const counts = ring.counts(now());
    metrics.keys.set(counts.active, { state: 'active' });
    metrics.keys.set(counts.grace, { state: 'grace' });
    // Key ids are public (they are in every request header); key bytes are never logged.
    log.info({ keyIds: ring.active().map((k) => k.stored.keyId), ...counts }, event);
  };

  await ring.load(readStore(config.keysFile, config.rotateEveryMs !== null), now());
  if (ring.active().length === 0) {
    if (config.rotateEveryMs === null) {
      throw new Error(`no active key in ${config.keysFile}: create one with \`tacit keygen --out FILE\``);
    }
    await ring.rotate(now());
    persist();
  }
  report('keys loaded');

  let builtin = opts.builtin;
  let closeBuiltin: () => Promise<void> = async () => {};
  let builtinModel = opts.trust?.model ?? ECHO_DIGEST;
  if (builtin === undefined && config.model !== 'none') {
    const target = config.model === 'echo' ? createEchoApp() : await builtinTarget();
    if ('engine' in target) builtinModel = `sha256:${target.engine.model.digest}`;
    builtin = (req) => target.app.fetch(req);
    closeBuiltin = target.close;
  }

  const deps: GatewayDeps = {
    config,
    ring,
    replay: new ReplayGuard({ windowMs: config.dateWindowMs, now }),
    limit: new ConcurrencyLimit(config.maxConcurrent),
    deadlines: new Deadlines(config.requestTimeoutMs),
    dispatch: createDispatcher({ name: config.name, builtin, upstreams: config.targets }),
    metrics,
    log,
    state: { draining: false },
    now,
  };
  if (opts.trust !== undefined) {
    deps.trust = await createGatewayTrust(opts.trust, {
      name: config.name,
      keys: () => ring.active().map((k) => k.server.config),
      builtinModel,
      upstreams: config.targets.map((t) => t.origin),
      now,
      log,
    });
  }

  // Rotation and reload are serialised: two overlapping ones could pick the same free key id.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => {
    const run = chain.then(fn);
    chain = run.catch(() => {});
    return run;
  };
  const rotate = () =>
    serial(async () => {
      await ring.rotate(now());
      ring.prune(now());
      metrics.rotations.inc();
      persist();
      report('keys rotated');
    });
  const reload = () =>
    serial(async () => {
      try {
        const r = await ring.load(readStore(config.keysFile), now());
        metrics.rotations.inc();
        if (r.refused.length > 0)
          log.warn({ keyIds: r.refused }, 'reloaded key reuses a live key id; kept the old key');
        report('keys reloaded');
      } catch (err) {
        // A broken file must not take the live keys down: keep serving with what we have.
        log.error(
          { err: isTacitError(err) ? { code: err.code } : { name: (err as Error).name } },
          'key reload failed',
        );
      }
    });

  const timer = config.rotateEveryMs === null ? null : setInterval(() => void rotate(), config.rotateEveryMs);
  timer?.unref();

  const app = createGatewayApp(deps, handleChunkedRequest);
  deps.trust?.mount(app);
  return {
    app,
    deps,
    reload,
    rotate,
    async close() {
      if (timer !== null) clearInterval(timer);
      await chain;
      await closeBuiltin();
      await deps.trust?.close();
    },
  };
}

/**
 * The enclave's inference API (the only enclave/ entry the gateway may import), started in-process:
 * the gateway calls its hono `fetch` directly, so plaintext never crosses a socket.
 */
async function builtinTarget(): Promise<{
  app: { fetch: FetchLike };
  close(): Promise<void>;
  engine: { model: { digest: string } };
}> {
  const { createInferenceApp } = await import('../enclave/index.ts');
  return createInferenceApp({ engineOptions: { model: 'tiny' } });
}
