/**
 * `tacit start` (and `npm start`): a relay and a gateway on loopback with fresh keys and the built-in
 * model, in one process, for trying tacit out. Ctrl-C stops both cleanly.
 */
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit start [--port N] [--gateway-port N] [--name tacit.local]

Starts a relay (default http://127.0.0.1:8080/relay) and a gateway (a free port) on 127.0.0.1, with
a fresh key in a temporary key store that is deleted on exit, and prints a command to try.
Ctrl-C (SIGINT) or SIGTERM stops both: the relay first, then the gateway drains.`;

export const command: Command = {
  summary: 'run a relay and a gateway on loopback with fresh keys (try tacit here)',
  usage,
  async run(argv) {
    const { readOptions, parseInteger } = await import('../../gateway/options.ts');
    const { values, errors, positionals } = readOptions(
      { port: { kind: 'string' }, 'gateway-port': { kind: 'string' }, name: { kind: 'string' } },
      argv,
      {},
    );
    for (const p of positionals) errors.push(`unexpected argument '${p}'`);
    const relayPort = parseInteger((values.port as string | undefined) ?? '8080', 0, 65535);
    const gatewayPort = parseInteger((values['gateway-port'] as string | undefined) ?? '0', 0, 65535);
    if (relayPort === undefined) errors.push('--port must be an integer 0..65535');
    if (gatewayPort === undefined) errors.push('--gateway-port must be an integer 0..65535');
    if (errors.length > 0) throw new UsageError(errors.join('\n'));

    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { default: pino } = await import('pino');
    const { buildConfig } = await import('../../gateway/config.ts');
    const { writeFreshStore } = await import('../../gateway/keys/store.ts');
    const { startGateway } = await import('../../gateway/server.ts');
    const { buildRelayConfig } = await import('../../relay/config.ts');
    const { startRelay } = await import('../../relay/server.ts');

    // Fresh keys every time, in a private temporary directory (mode 0700) removed on exit.
    const dir = mkdtempSync(join(tmpdir(), 'tacit-start-'));
    const keysFile = join(dir, 'keys.json');
    await writeFreshStore(keysFile);

    const gwArgs = [
      '--host',
      '127.0.0.1',
      '--port',
      String(gatewayPort),
      '--keys',
      keysFile,
      '--log-level',
      'warn',
    ];
    if (values.name !== undefined) gwArgs.push('--name', values.name as string);
    const built = buildConfig(gwArgs, process.env);
    if (built.config === null) throw new UsageError(built.errors.join('\n'));
    const gwConfig = built.config;
    const log = pino({ level: 'warn' });
    // Receipts and the transparency log are on: a development attestation (not a real enclave; its
    // platform key lives in the temporary folder) unless TACIT_ATTESTATION says otherwise.
    const { trustFromEnv } = await import('../../enclave/attestation/index.ts');
    const trust = await trustFromEnv(
      {
        ...process.env,
        TACIT_ATTESTATION: process.env.TACIT_ATTESTATION ?? 'dev',
        TACIT_TRUST_DIR: join(dir, 'trust'),
      },
      new URL('../..', import.meta.url).pathname,
    );
    const gateway = await startGateway({
      config: gwConfig,
      log: log.child({ service: 'tacit-gateway' }),
      ...(trust === undefined ? {} : { trust }),
    });
    let relay: Awaited<ReturnType<typeof startRelay>>;
    try {
      relay = await startRelay(
        buildRelayConfig({
          argv: ['--host', '127.0.0.1', '--port', String(relayPort), '--gateway', `${gateway.url}/gateway`],
          env: {},
        }),
        { logger: log.child({ service: 'tacit-relay' }) },
      );
    } catch (err) {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`tacit start: relay could not start: ${(err as Error).message}\n`);
      return 1;
    }

    const relayUrl = `${relay.url}/relay`;
    const keysUrl = `${relay.url}/relay/ohttp-keys`;
    const defaults = relayPort === 8080;
    process.stdout.write(
      [
        'tacit is running on loopback:',
        `  relay    ${relayUrl}   (key configurations: ${keysUrl})`,
        `  gateway  ${gateway.url}/gateway   (built-in target https://${gwConfig.name}/v1, health ${gateway.url}/healthz)`,
        ...(trust === undefined
          ? []
          : [
              `  trust    ${gateway.url}/attestation   (${trust.attester.provider}: ${trust.attester.warning ?? 'attested'}; log ${gateway.url}/log/checkpoint)`,
            ]),
        '',
        'Try, in another terminal:',
        `  node bin/tacit.js chat --stream${defaults ? '' : ` --relay ${relayUrl} --keys ${keysUrl}`} "Hello, who are you?"`,
        '',
        'Ctrl-C stops both.',
        '',
      ].join('\n'),
    );

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    process.stdout.write('stopping...\n');
    await relay.close(2000);
    await gateway.drain(5000);
    rmSync(dir, { recursive: true, force: true });
    return 0;
  },
};
