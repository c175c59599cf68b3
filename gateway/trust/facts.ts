/**
 * What a receipt says about the inference itself, read from the OpenAI-compatible request and answer
 * (docs/api.md): the sampling parameters, the seed, and the token usage.
 *
 * Seed: an answer is replayable only if its seed is known. When a JSON inference request names no
 * seed, the gateway picks one, adds it to the request the target sees, and records it in the receipt;
 * the request commitment still covers the client's own bytes, and `tacit verify --replay` takes the
 * seed from the receipt.
 *
 * Usage: the answer's `usage` object (non-streamed, or a stream's final usage chunk with
 * `stream_options.include_usage`); a stream without it counts its content deltas as completion
 * tokens (the built-in target sends one token per delta) and reports 0 prompt tokens.
 */
import { randomInt } from 'node:crypto';
import type { SamplingValue } from '../../shared/receipt/receipt.ts';

const SAMPLING_FIELDS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stream',
];
const INFERENCE_PATHS = new Set(['/v1/chat/completions', '/v1/completions']);

export interface RequestFacts {
  /** The body the target gets (with the gateway's seed when it added one). */
  body: Uint8Array | null;
  sampling: Record<string, SamplingValue>;
  seed: number | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads sampling and seed from an inference request; adds a seed when it has none. */
export function requestFacts(
  method: string,
  path: string,
  contentType: string | null,
  body: Uint8Array | null,
): RequestFacts {
  const none: RequestFacts = { body, sampling: {}, seed: null };
  if (method !== 'POST' || body === null || !(contentType ?? '').includes('json')) return none;
  if (!INFERENCE_PATHS.has(path.split('?')[0]!)) return none;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return none; // the target answers the malformed request itself
  }
  if (!isObject(json)) return none;
  const sampling: Record<string, SamplingValue> = {};
  for (const f of SAMPLING_FIELDS) {
    const v = json[f];
    if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) sampling[f] = v as SamplingValue;
  }
  if (typeof json.seed === 'number' && Number.isSafeInteger(json.seed))
    return { body, sampling, seed: json.seed };
  if (json.seed !== undefined && json.seed !== null) return { body, sampling, seed: null };
  const seed = randomInt(0, 2 ** 47);
  return { body: new TextEncoder().encode(JSON.stringify({ ...json, seed })), sampling, seed };
}

export interface Usage {
  prompt: number;
  completion: number;
}

function usageOf(v: unknown): Usage | undefined {
  if (!isObject(v) || !isObject(v.usage)) return undefined;
  const p = v.usage.prompt_tokens;
  const c = v.usage.completion_tokens;
  if (!Number.isSafeInteger(p) || !Number.isSafeInteger(c) || (p as number) < 0 || (c as number) < 0)
    return undefined;
  return { prompt: p as number, completion: c as number };
}

/** Usage of a whole JSON answer; zeros for anything else. */
export function usageOfBody(contentType: string | null, body: Uint8Array): Usage {
  if (!(contentType ?? '').includes('json')) return { prompt: 0, completion: 0 };
  try {
    return usageOf(JSON.parse(new TextDecoder().decode(body))) ?? { prompt: 0, completion: 0 };
  } catch {
    return { prompt: 0, completion: 0 };
  }
}

/** Follows a server-sent event stream chunk by chunk and tallies its usage. */
export class StreamUsage {
  private buffered = '';
  private readonly decoder = new TextDecoder();
  private reported: Usage | undefined;
  private deltas = 0;

  constructor(private readonly active: boolean) {}

  update(chunk: Uint8Array): void {
    if (!this.active) return;
    this.buffered += this.decoder.decode(chunk, { stream: true });
    let nl = this.buffered.indexOf('\n');
    while (nl >= 0) {
      this.line(this.buffered.slice(0, nl).trim());
      this.buffered = this.buffered.slice(nl + 1);
      nl = this.buffered.indexOf('\n');
    }
    // A line longer than any event we could use is dropped rather than held.
    if (this.buffered.length > 1 << 20) this.buffered = '';
  }

  private line(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '[DONE]') return;
    let v: unknown;
    try {
      v = JSON.parse(data);
    } catch {
      return;
    }
    const u = usageOf(v);
    if (u !== undefined) this.reported = u;
    if (isObject(v) && Array.isArray(v.choices)) {
      const c = v.choices[0];
      if (isObject(c)) {
        const text = isObject(c.delta) ? c.delta.content : c.text;
        if (typeof text === 'string' && text.length > 0) this.deltas++;
      }
    }
  }

  result(): Usage {
    return this.reported ?? { prompt: 0, completion: this.deltas };
  }
}
