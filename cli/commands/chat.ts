/**
 * `tacit chat`: one OpenAI-style chat completion through the relay to the gateway's built-in target,
 * with the client SDK (every byte the relay sees is encrypted). With --stream the answer is printed
 * as it arrives (server-sent events inside chunked OHTTP).
 */
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit chat [--stream] [--relay URL] [--keys URL] [--name tacit.local] [--model ID]
                  [--max-tokens N] "prompt"

Defaults match \`tacit start\`: --relay http://127.0.0.1:8080/relay, --keys <relay>/ohttp-keys.
Without --model, the first model the target lists at /v1/models is used.`;

interface ChatChunk {
  choices?: { delta?: { content?: string }; message?: { content?: string } }[];
}

export const command: Command = {
  summary: 'send a chat prompt through the relay and print the answer',
  usage,
  async run(argv) {
    const { readOptions, parseInteger } = await import('../../gateway/options.ts');
    const { values, errors, positionals } = readOptions(
      {
        stream: { kind: 'boolean' },
        relay: { kind: 'string', env: 'TACIT_RELAY' },
        keys: { kind: 'string', env: 'TACIT_KEYS' },
        name: { kind: 'string' },
        model: { kind: 'string' },
        'max-tokens': { kind: 'string' },
      },
      argv,
      process.env,
    );
    const prompt = positionals.join(' ').trim();
    if (prompt === '') errors.push('a prompt is required');
    const maxTokens = parseInteger((values['max-tokens'] as string | undefined) ?? '128', 1, 1 << 20);
    if (maxTokens === undefined) errors.push('--max-tokens must be a positive integer');
    if (errors.length > 0) throw new UsageError(errors.join('\n'));
    const relay = (values.relay as string | undefined) ?? 'http://127.0.0.1:8080/relay';
    const keys = (values.keys as string | undefined) ?? `${relay.replace(/\/$/, '')}/ohttp-keys`;
    const base = `https://${(values.name as string | undefined) ?? 'tacit.local'}/v1`;

    const { createClient } = await import('../../client/index.ts');
    const { nodePrimitives } = await import('../../shared/hpke/primitives-node.ts');
    const client = createClient({ relay, keys, primitives: nodePrimitives });
    try {
      let model = values.model as string | undefined;
      if (model === undefined) {
        const list = (await (await client.fetch(`${base}/models`)).json()) as { data?: { id: string }[] };
        model = list.data?.[0]?.id;
        if (model === undefined) throw new Error('the target lists no model');
      }
      const stream = values.stream === true;
      const res = await client.fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
        body: JSON.stringify({
          model,
          stream,
          max_tokens: maxTokens,
          messages: [{ role: 'user', content: prompt }],
        }),
      });
      if (!res.ok) {
        process.stderr.write(`tacit chat: ${res.status} ${await res.text()}\n`);
        return 1;
      }
      if (!stream) {
        const body = (await res.json()) as ChatChunk;
        process.stdout.write(`${body.choices?.[0]?.message?.content ?? ''}\n`);
        return 0;
      }
      await printEvents(res.body!);
      process.stdout.write('\n');
      return 0;
    } catch (err) {
      process.stderr.write(`tacit chat: ${(err as Error).message}\n`);
      return 1;
    }
  },
};

/** Server-sent events (`data: {...}` lines, `data: [DONE]` at the end), printed delta by delta. */
async function printEvents(body: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(bytes, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data) as ChatChunk;
      process.stdout.write(chunk.choices?.[0]?.delta?.content ?? '');
    }
  }
}
