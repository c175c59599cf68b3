/**
 * What the API needs from a tokenizer, and nothing more: the chat template, plain encoding (for
 * /v1/completions prompts and stop strings), the tokens that end a turn, and a streaming decoder.
 *
 * enclave/tokenizer provides the real one (byte-level); `enclave/index.ts` adapts it to this shape.
 * Keeping the port here lets the API be tested against any small codec.
 */

/** A tool call in an assistant message of the history (OpenAI's shape). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A chat message after validation: content flattened to text. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
  /** Assistant messages only: calls the model made earlier in the conversation. */
  tool_calls?: ToolCall[];
  /** Tool messages only: which call this answers. */
  tool_call_id?: string;
}

/** Turns token ids into text as they arrive; never splits a UTF-8 sequence across pushes. */
export interface StreamDecoder {
  /** Text completed by this token (may be '' while a multi-byte character is incomplete). */
  push(id: number): string;
  /** Whatever is left at the end (an incomplete sequence becomes U+FFFD). */
  end(): string;
}

export interface TextCodec {
  /**
   * Prompt token ids for a conversation, ending with the assistant's turn opening unless
   * `addGenerationPrompt` is false (then the rendering of these messages is a prefix of the
   * rendering of any longer conversation that starts with them).
   */
  chatPrompt(messages: readonly ChatMessage[], opts?: { addGenerationPrompt?: boolean }): number[];
  /** Token ids of plain text, with no special tokens. */
  encode(text: string): number[];
  /** Tokens that end generation on their own (end of turn, end of text). */
  readonly stopTokens: readonly number[];
  /** Ids below this are valid tokens. */
  readonly vocabSize: number;
  decoder(): StreamDecoder;
}
