/** `tacit gateway`: the OHTTP gateway (runs inside the enclave). See docs/gateway.md. */
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit gateway --keys FILE [--port N] [--host 127.0.0.1] [--name tacit.local]
                     [--target ORIGIN=URL]... [--model builtin|echo|none]
                     [--rotate-every DURATION] [--grace DURATION] [--keys-max-age DURATION]
                     [--max-body BYTES] [--max-concurrent N] [--timeout DURATION]
                     [--drain-timeout DURATION] [--date-window DURATION] [--log-level LEVEL]

Decapsulates Oblivious HTTP requests (RFC 9458, and chunked OHTTP) at POST /gateway and answers
them from the built-in inference API (https://<name>/...) or an allow-listed upstream origin.
Serves its key configurations at GET /ohttp-keys, health at /healthz, metrics at /metrics.
Every flag also reads an environment variable (TACIT_GATEWAY_PORT, ...; flags win).
Durations: 500ms, 30s, 10m, 1h, 1d. SIGHUP re-reads the key store; SIGTERM drains and exits 0.`;

export const command: Command = {
  summary: 'run the OHTTP gateway (keys, replay defence, targets)',
  usage,
  async run(argv) {
    const { buildConfig, redactedConfig } = await import('../../gateway/config.ts');
    const { config, errors } = buildConfig(argv, process.env);
    if (config === null) throw new UsageError(errors.join('\n'));
    const { default: pino } = await import('pino');
    const log = pino({ level: config.logLevel, base: { service: 'tacit-gateway' } });
    log.info({ config: redactedConfig(config) }, 'configuration');
    const { startGateway } = await import('../../gateway/server.ts');
    let running: Awaited<ReturnType<typeof startGateway>>;
    try {
      // Attestation, receipts and the log (docs/trust.md), from TACIT_ATTESTATION and TACIT_TRUST_DIR.
      const { trustFromEnv } = await import('../../enclave/attestation/index.ts');
      const trust = await trustFromEnv(process.env, new URL('../..', import.meta.url).pathname);
      if (trust !== undefined)
        log.warn({ provider: trust.attester.provider, warning: trust.attester.warning }, 'attestation');
      running = await startGateway({ config, log, ...(trust === undefined ? {} : { trust }) });
    } catch (err) {
      process.stderr.write(`tacit gateway: ${(err as Error).message}\n`);
      return 1;
    }
    // Scripts and tests wait for this line (JSON on stdout, like every log line).
    log.info({ url: running.url, port: running.port }, 'gateway listening');
    const onHup = () => void running.gateway.reload();
    process.on('SIGHUP', onHup);
    return new Promise<number>((resolve) => {
      let draining = false;
      const stop = async (signal: string) => {
        // Handlers stay installed while draining: a repeated signal must not fall back to the
        // default action (killing the process mid-drain); a second SIGINT, though, means "now".
        if (draining) {
          if (signal === 'SIGINT') process.exit(130);
          return;
        }
        draining = true;
        process.off('SIGHUP', onHup);
        log.info({ signal }, 'draining');
        const { unfinished } = await running.drain();
        log.info({ unfinished }, 'stopped');
        resolve(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
  },
};
