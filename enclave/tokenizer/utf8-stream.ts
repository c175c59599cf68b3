/**
 * Streaming detokenization: feed token ids as they are generated, get back only complete characters.
 * A multi-byte UTF-8 character spread over several byte tokens is held back until its last byte
 * arrives, so a streamed chunk never ends in half a character (which a client would render as U+FFFD
 * and then never repair). Invalid sequences become U+FFFD as in the WHATWG Encoding Standard's UTF-8
 * decoder (section 4.3.3), which is what TextDecoder in streaming mode implements; ignoreBOM keeps a
 * generated U+FEFF as text instead of silently eating it.
 */
import { invalidArgument } from '../../shared/errors.ts';
import { BYTE_TOKENS, VOCAB_SIZE } from './vocab.ts';

export class Utf8StreamDecoder {
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  readonly #one = new Uint8Array(1);

  /** Adds one token; returns the characters it completes ('' while a character is still partial). */
  push(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) throw invalidArgument(`not a token id: ${id}`);
    // Special tokens carry no text; the engine and the API deal with their meaning (stop, turn end).
    if (id >= BYTE_TOKENS) return '';
    this.#one[0] = id;
    return this.#decoder.decode(this.#one, { stream: true });
  }

  /** Adds several tokens at once. */
  pushAll(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) s += this.push(id);
    return s;
  }

  /** Ends the stream: an incomplete trailing character becomes U+FFFD. The decoder can then be reused. */
  flush(): string {
    return this.#decoder.decode();
  }
}
