/**
 * `tacit fetch`: curl for Oblivious HTTP. Sends one request through a relay and prints the decapsulated
 * response. Exit 0 for any status the gateway returned inside the encryption; 1 with a one-line reason
 * on stderr for a transport, key or decryption failure; 2 for bad usage.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit fetch [-X METHOD] [-H 'Name: value']... [-d BODY | --data-file FILE] [--stream] [--json]
                   --relay URL --keys URL|@FILE TARGET_URL

Sends TARGET_URL's request, encrypted for the gateway (RFC 9458), through the relay, and prints the
gateway's answer: status line, headers, a blank line, then the body.

  -X, --request METHOD   method (default GET, or POST with a body)
  -H, --header 'N: v'    an inner request header (repeatable)
  -d, --data BODY        request body; --data-file FILE reads it from a file ('-' for stdin)
  --stream               chunked OHTTP: the body is printed as it arrives
  --json                 print one JSON object {status, headers, body}
  --relay URL            the relay's POST URL (env TACIT_RELAY)
  --keys URL|@FILE       the key configuration list: a URL fetched through the relay's host, or a file
                         of application/ohttp-keys bytes (env TACIT_KEYS)
  --key-id N             use the key configuration with this id
  --timeout SECONDS      give up after this long (default 60)`;

function parseHeader(h: string): [string, string] {
  const i = h.indexOf(':');
  if (i <= 0) throw new UsageError(`bad header '${h}': expected 'Name: value'`);
  return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
}

async function readBody(data: string | undefined, file: string | undefined): Promise<Uint8Array | undefined> {
  if (data !== undefined && file !== undefined) throw new UsageError('give -d or --data-file, not both');
  if (data !== undefined) return new TextEncoder().encode(data);
  if (file === undefined) return undefined;
  if (file !== '-') return new Uint8Array(await readFile(file));
  const parts: Buffer[] = [];
  for await (const p of process.stdin) parts.push(p as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

export const command: Command = {
  summary: 'send one request through a relay, like curl for Oblivious HTTP',
  usage,
  async run(argv) {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
    const options = {
      request: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      data: { type: 'string', short: 'd' },
      'data-file': { type: 'string' },
      stream: { type: 'boolean' },
      json: { type: 'boolean' },
      relay: { type: 'string' },
      keys: { type: 'string' },
      'key-id': { type: 'string' },
      timeout: { type: 'string' },
    } as const;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values: v, positionals } = parsed;
    const relay = v.relay ?? process.env.TACIT_RELAY;
    const keysArg = v.keys ?? process.env.TACIT_KEYS;
    if (positionals.length !== 1) throw new UsageError('exactly one TARGET_URL is required');
    if (relay === undefined) throw new UsageError('--relay is required');
    if (keysArg === undefined) throw new UsageError('--keys is required');
    const target = positionals[0]!;
    if (!URL.canParse(target)) throw new UsageError(`TARGET_URL is not a URL: ${target}`);
    const keyId = v['key-id'] === undefined ? undefined : Number(v['key-id']);
    if (keyId !== undefined && !(Number.isInteger(keyId) && keyId >= 0 && keyId <= 255)) {
      throw new UsageError('--key-id must be 0..255');
    }
    const timeout = Number(v.timeout ?? 60);
    const headers = (v.header ?? []).map(parseHeader);
    const body = await readBody(v.data, v['data-file']);

    const { createClient } = await import('../../client/index.ts');
    const { nodePrimitives } = await import('../../shared/hpke/primitives-node.ts');
    const { printResponse } = await import('../fetch-output.ts');
    const keys = keysArg.startsWith('@') ? new Uint8Array(await readFile(keysArg.slice(1))) : keysArg;
    const client = createClient({
      relay,
      keys,
      primitives: nodePrimitives,
      chunked: v.stream ? 'always' : 'auto',
      ...(keyId !== undefined && { keyId }),
    });
    const method = v.request ?? (body === undefined ? 'GET' : 'POST');
    try {
      const res = await client.fetch(target, {
        method,
        headers,
        ...(body !== undefined && { body: body as BodyInit }),
        signal: AbortSignal.timeout(timeout * 1000),
      });
      await printResponse(res, { json: v.json === true, stream: v.stream === true });
      return 0;
    } catch (e) {
      const { describeFailure } = await import('../fetch-output.ts');
      process.stderr.write(`tacit fetch: ${describeFailure(e)}\n`);
      return 1;
    }
  },
};
