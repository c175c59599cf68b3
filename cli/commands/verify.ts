/**
 * `tacit verify`: audit one answer after the fact. Checks the receipt's signature (by the receipt key
 * of an attested manifest, or a key given outright), its salted commitments to the saved request and
 * response, its inclusion in the transparency log, and, with --replay, re-runs the built-in model
 * with the receipt's seed and sampling parameters and checks that the same answer comes out.
 */
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit verify --receipt FILE --request FILE --response FILE
                    (--attestation URL (--dev-platform-key HEX | --pcr0 HEX) | --receipt-key HEX)
                    [--measurement HEX] [--log URL] [--log-key VKEY] [--replay] [--model tiny|small|PATH]

  --receipt FILE     the tacit-receipt value the SDK returned (response.receipt.field)
  --request FILE     the exact inner request bytes (Binary HTTP) the receipt commits to
  --response FILE    the response body as received
  --attestation URL  the gateway's GET /attestation: verify it now and take the receipt key, log key
                     and models from its manifest (dev evidence needs --dev-platform-key: it is not a
                     real enclave; Nitro evidence is checked against --pcr0)
  --receipt-key HEX  trust this Ed25519 receipt key instead (no attestation)
  --log URL          the log's tlog-tiles prefix (default: <attestation origin>/log/); checks inclusion
  --log-key VKEY     the log's note verifier key (default: from the manifest)
  --replay           re-run the built-in model with the receipt's seed and parameters and compare

Exit status 0 when every requested check passes, 1 with one reason line when one fails.`;

interface Answer {
  text: string;
  finish: string | null;
}

/** The generated text of an OpenAI-style answer, whole JSON or server-sent events. */
function answerOf(body: string): Answer {
  const pick = (v: unknown, into: Answer) => {
    const c = (
      v as {
        choices?: {
          message?: { content?: unknown };
          delta?: { content?: unknown };
          text?: unknown;
          finish_reason?: unknown;
        }[];
      }
    )?.choices?.[0];
    if (c === undefined) return;
    const t = c.message?.content ?? c.delta?.content ?? c.text;
    if (typeof t === 'string') into.text += t;
    if (typeof c.finish_reason === 'string') into.finish = c.finish_reason;
  };
  const out: Answer = { text: '', finish: null };
  if (body.trimStart().startsWith('{')) {
    pick(JSON.parse(body), out);
    return out;
  }
  for (const line of body.split('\n')) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : '';
    if (data === '' || data === '[DONE]') continue;
    try {
      pick(JSON.parse(data), out);
    } catch {
      // not an event we compare
    }
  }
  return out;
}

export const command: Command = {
  summary: 'verify a receipt: signature, commitments, log inclusion, replay',
  usage,
  async run(argv) {
    const { readOptions } = await import('../../gateway/options.ts');
    const { readFileSync } = await import('node:fs');
    const { hexToBytes, utf8 } = await import('../../shared/bytes.ts');
    const { values, errors, positionals } = readOptions(
      {
        receipt: { kind: 'string' },
        request: { kind: 'string' },
        response: { kind: 'string' },
        attestation: { kind: 'string' },
        'dev-platform-key': { kind: 'string' },
        pcr0: { kind: 'string' },
        measurement: { kind: 'string' },
        'receipt-key': { kind: 'string' },
        log: { kind: 'string' },
        'log-key': { kind: 'string' },
        replay: { kind: 'boolean' },
        model: { kind: 'string' },
      },
      argv,
      {},
    );
    const s = (k: string) => values[k] as string | undefined;
    for (const p of positionals) errors.push(`unexpected argument '${p}'`);
    for (const k of ['receipt', 'request', 'response'])
      if (s(k) === undefined) errors.push(`--${k} FILE is required`);
    if ((s('attestation') === undefined) === (s('receipt-key') === undefined))
      errors.push('give exactly one of --attestation URL and --receipt-key HEX');
    if (s('attestation') !== undefined && s('dev-platform-key') === undefined && s('pcr0') === undefined)
      errors.push('--attestation needs --dev-platform-key HEX (dev evidence) or --pcr0 HEX (Nitro)');
    if (errors.length > 0) throw new UsageError(errors.join('\n'));

    const say = (line: string) => process.stdout.write(`${line}\n`);
    try {
      const field = readFileSync(s('receipt')!, 'utf8').trim();
      const request = new Uint8Array(readFileSync(s('request')!));
      const response = new Uint8Array(readFileSync(s('response')!));
      const { decodeReceiptField, verifyReceipt, receiptLogEntry } = await import(
        '../../shared/receipt/field.ts'
      );
      const { receiptText } = await import('../../shared/receipt/parse.ts');

      let receiptKey: Uint8Array;
      let log: { origin: string; key: string } | undefined;
      let logUrl = s('log');
      let models: readonly string[] | undefined;
      let measurement = s('measurement');
      if (s('attestation') !== undefined) {
        const { createTrustVerifier } = await import('../../client/verify/index.ts');
        const dev = s('dev-platform-key');
        const v = createTrustVerifier(
          {
            attestation: s('attestation')!,
            provider: dev === undefined ? 'aws-nitro' : 'dev',
            ...(dev === undefined
              ? { nitro: { pcrs: { 0: s('pcr0')! } } }
              : { devPlatformKey: hexToBytes(dev) }),
            ...(measurement === undefined ? {} : { measurements: [measurement] }),
          },
          globalThis.fetch,
        );
        const gw = await v.gateway();
        for (const w of gw.warnings) say(`warning: ${w}`);
        say(`attestation: ok (${gw.provider}, measurement ${gw.measurement})`);
        receiptKey = gw.manifest.receiptKey;
        log = gw.manifest.log;
        models = gw.manifest.models;
        measurement = gw.measurement;
        logUrl ??= new URL('/log/', s('attestation')!).href;
      } else {
        receiptKey = hexToBytes(s('receipt-key')!);
        if (s('log-key') !== undefined) log = { origin: s('log-key')!.split('+')[0]!, key: s('log-key')! };
      }
      if (s('log-key') !== undefined && log !== undefined)
        log = { origin: s('log-key')!.split('+')[0]!, key: s('log-key')! };

      const signed = decodeReceiptField(field);
      // An event stream's receipt commits to it without comment lines (shaping filler; shared/receipt/sse.ts).
      const { withoutSseComments } = await import('../../shared/receipt/sse.ts');
      const receipt = await verifyReceipt(signed, { publicKey: receiptKey, request, response }).catch(() =>
        verifyReceipt(signed, { publicKey: receiptKey, request, response: withoutSseComments(response) }),
      );
      say(`receipt: ${receiptText(signed.canonical)}`);
      say('signature and commitments: ok');
      if (measurement !== undefined && receipt.measurement !== measurement)
        throw new Error(`the receipt names measurement ${receipt.measurement}, expected ${measurement}`);
      if (models !== undefined && !models.includes(receipt.model))
        throw new Error(
          `the receipt names model ${receipt.model}, which the attested manifest does not list`,
        );

      if (logUrl !== undefined) {
        if (log === undefined)
          throw new Error('--log needs --log-key (or --attestation) to check checkpoints');
        const { LogFollower } = await import('../../client/verify/log.ts');
        const { leafHash } = await import('../../shared/merkle/hash.ts');
        const follower = new LogFollower(logUrl, log, globalThis.fetch);
        const entry = receiptLogEntry(signed.canonical, signed.signature);
        const cp = await follower.proveInclusion({
          receipt,
          field,
          logEntry: entry,
          leafHash: await leafHash(entry),
        });
        say(`log inclusion: ok (entry ${receipt.logIndex} of ${cp.size}, origin ${cp.origin})`);
      }

      if (values.replay === true) {
        if (receipt.seed === null)
          throw new Error('the receipt records no seed: the answer cannot be replayed');
        const { decodeRequest } = await import('../../shared/bhttp/index.ts');
        const { createInferenceApp } = await import('../../enclave/index.ts');
        const inner = decodeRequest(request);
        const body = JSON.parse(utf8.decode(inner.content)) as Record<string, unknown>;
        body.seed = receipt.seed;
        const model = s('model') ?? 'tiny';
        const target = await createInferenceApp({ engineOptions: { model } });
        try {
          if (`sha256:${target.engine.model.digest}` !== receipt.model)
            throw new Error(
              `model ${model} has digest sha256:${target.engine.model.digest}, the receipt names ${receipt.model}`,
            );
          const res = await target.app.request(`http://replay${inner.path}`, {
            method: inner.method,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const again = answerOf(await res.text());
          const original = answerOf(utf8.decode(response));
          if (again.text !== original.text || again.finish !== original.finish)
            throw new Error('replay gave a different answer');
          say(`replay: ok (same ${again.text.length} characters, finish ${again.finish})`);
        } finally {
          await target.close();
        }
      }
      say('verified');
      return 0;
    } catch (e) {
      process.stderr.write(`tacit verify: ${(e as Error).message}\n`);
      return 1;
    }
  },
};
