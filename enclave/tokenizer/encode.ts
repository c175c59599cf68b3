/**
 * Byte-level encoding and decoding. Text is UTF-8 encoded (WHATWG Encoding: lone surrogates become
 * U+FFFD), one token per byte. Decoding returns bytes, since a model may emit any byte sequence,
 * including an incomplete or invalid UTF-8 one; see utf8-stream.ts for turning a token stream into text.
 */
import { invalidArgument } from '../../shared/errors.ts';
import { BYTE_TOKENS, SPECIAL_TOKEN_NAMES, specialTokenId, specialTokenName, VOCAB_SIZE } from './vocab.ts';

const encoder = new TextEncoder();

export interface EncodeOptions {
  /**
   * Map the literal spellings of special tokens ('<|user|>'...) to their ids. Off by default, and
   * must stay off for anything a client sent: content must not be able to forge chat structure.
   */
  allowSpecial?: boolean;
}

const SPECIAL_PATTERN = new RegExp(`(${SPECIAL_TOKEN_NAMES.map((n) => n.replace(/[|]/g, '\\|')).join('|')})`);

/** text -> token ids. */
export function encode(text: string, options: EncodeOptions = {}): number[] {
  if (typeof text !== 'string') throw invalidArgument('encode: text must be a string');
  if (options.allowSpecial !== true) return Array.from(encoder.encode(text));
  const ids: number[] = [];
  // split() with a capturing group keeps the separators at the odd indices.
  text.split(SPECIAL_PATTERN).forEach((part, i) => {
    if (i % 2 === 1) ids.push(specialTokenId(part)!);
    else for (const b of encoder.encode(part)) ids.push(b);
  });
  return ids;
}

export interface DecodeOptions {
  /** Render special tokens as their spelling instead of dropping them (for debugging and logs of ids). */
  renderSpecial?: boolean;
}

function assertTokenId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) throw invalidArgument(`not a token id: ${id}`);
}

/** token ids -> bytes. Special tokens carry no bytes and are dropped unless renderSpecial is set. */
export function decode(ids: readonly number[], options: DecodeOptions = {}): Uint8Array {
  const out: number[] = [];
  for (const id of ids) {
    assertTokenId(id);
    if (id < BYTE_TOKENS) out.push(id);
    else if (options.renderSpecial === true)
      for (const b of encoder.encode(specialTokenName(id)!)) out.push(b);
  }
  return Uint8Array.from(out);
}

/** token ids -> text; invalid UTF-8 becomes U+FFFD. */
export function decodeText(ids: readonly number[], options: DecodeOptions = {}): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(decode(ids, options));
}
