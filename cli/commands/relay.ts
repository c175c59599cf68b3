/**
 * `tacit relay`: a blind OHTTP relay (RFC 9458 section 4) in front of one or more gateways.
 * Configuration: defaults < config file < environment < flags (relay/config.ts, relay/settings.ts).
 * SIGTERM or SIGINT: stop accepting, let open streams finish up to --shutdown-timeout, exit 0.
 */
import { settingsHelp } from '../../relay/settings.ts';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit relay --port N [--host 127.0.0.1] --gateway URL [--gateway NAME=URL]... [options]

POST /relay and POST /relay/NAME forward message/ohttp-req and message/ohttp-chunked-req bodies to
the first or the named gateway; GET /relay/ohttp-keys and /relay/NAME/ohttp-keys serve its key list;
GET /healthz and GET /metrics. See docs/relay.md.

Options (flags win over environment, environment over the --config JSON file):
`;

export const command: Command = {
  summary: 'run a blind OHTTP relay in front of one or more gateways',
  get usage() {
    return `${usage}${settingsHelp()}`;
  },
  async run(argv) {
    const { buildRelayConfig, ConfigError } = await import('../../relay/config.ts');
    const { startRelay } = await import('../../relay/server.ts');
    let config: import('../../relay/config.ts').RelayConfig;
    try {
      config = buildRelayConfig({ argv, env: process.env });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    const relay = await startRelay(config);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    await relay.close();
    return 0;
  },
};
