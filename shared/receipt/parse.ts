/**
 * Decoding a receipt from its canonical bytes. The bytes must be exactly the RFC 8785 form of what
 * they parse to (no whitespace, sorted keys, no duplicates, shortest numbers), so one receipt has one
 * encoding and the signed bytes are the bytes the log commits to. Throws ERR_MALFORMED only.
 */
import { utf8 } from '../bytes.ts';
import { malformed } from '../errors.ts';
import { MAX_ENTRY_SIZE } from '../tlog/entries.ts';
import { canonicalize, type JsonValue } from './jcs.ts';
import { isBucket, RECEIPT_MEMBERS, type Receipt, type SamplingValue } from './receipt.ts';

const B64URL_32 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/; // 32 bytes: 43 chars, the last with 2 zero bits
const MAX_SAMPLING_KEYS = 16;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function parseReceipt(canonical: Uint8Array): Receipt {
  if (canonical.length > MAX_ENTRY_SIZE) throw malformed('receipt (too large)');
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(canonical);
    value = JSON.parse(text);
  } catch {
    throw malformed('receipt (not JSON)');
  }
  let again: string;
  try {
    again = canonicalize(value as JsonValue);
  } catch {
    throw malformed('receipt (not I-JSON)');
  }
  if (again !== text) throw malformed('receipt (not in RFC 8785 canonical form)');
  if (!isObject(value)) throw malformed('receipt (not an object)');
  const keys = Object.keys(value).sort();
  if (keys.length !== RECEIPT_MEMBERS.length || keys.some((k, i) => k !== RECEIPT_MEMBERS[i]))
    throw malformed('receipt (fields)');
  const r = value;
  if (r.v !== 1) throw malformed('receipt version');
  if (typeof r.kid !== 'string' || !/^[0-9a-f]{16}$/.test(r.kid)) throw malformed('receipt kid');
  if (!nonNegInt(r.logIndex)) throw malformed('receipt logIndex');
  if (!nonNegInt(r.time) || r.time % 60 !== 0) throw malformed('receipt time');
  if (typeof r.model !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(r.model)) throw malformed('receipt model');
  if (typeof r.measurement !== 'string' || !/^(?:[0-9a-f]{2}){32,64}$/.test(r.measurement)) {
    throw malformed('receipt measurement');
  }
  if (typeof r.request !== 'string' || !B64URL_32.test(r.request))
    throw malformed('receipt request commitment');
  if (typeof r.response !== 'string' || !B64URL_32.test(r.response))
    throw malformed('receipt response commitment');
  if (!isObject(r.sampling) || Object.keys(r.sampling).length > MAX_SAMPLING_KEYS)
    throw malformed('receipt sampling');
  for (const v of Object.values(r.sampling)) {
    if (!(v === null || ['number', 'string', 'boolean'].includes(typeof v)))
      throw malformed('receipt sampling value');
  }
  if (!(r.seed === null || (typeof r.seed === 'number' && Number.isSafeInteger(r.seed))))
    throw malformed('receipt seed');
  const u = r.usage;
  if (!isObject(u) || Object.keys(u).sort().join() !== 'completion,prompt') throw malformed('receipt usage');
  if (!nonNegInt(u.prompt) || !nonNegInt(u.completion) || !isBucket(u.prompt) || !isBucket(u.completion)) {
    throw malformed('receipt usage (not bucketed)');
  }
  return {
    v: 1,
    kid: r.kid,
    logIndex: r.logIndex,
    time: r.time,
    model: r.model,
    measurement: r.measurement,
    request: r.request,
    response: r.response,
    sampling: r.sampling as Record<string, SamplingValue>,
    seed: r.seed as number | null,
    usage: { prompt: u.prompt, completion: u.completion },
  };
}

/** The canonical bytes as text, for display. */
export function receiptText(canonical: Uint8Array): string {
  return utf8.decode(canonical);
}
