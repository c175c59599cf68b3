/**
 * The byte-level vocabulary of tacit's built-in models: ids 0..255 are the bytes themselves, so any
 * UTF-8 text (indeed any byte string) has exactly one encoding and decoding never fails; the special
 * tokens follow. Special tokens are never produced by encoding user text (see encode.ts): a prompt that
 * spells `<|end|>` gets the bytes of that spelling, not the end-of-turn token, so content cannot forge
 * chat structure.
 */

/** Number of byte tokens: id b (0 <= b < 256) is the byte b. */
export const BYTE_TOKENS = 256;

/** The special tokens, in id order after the bytes. The order is part of every model file: append only. */
export const SPECIAL_TOKEN_NAMES = [
  '<|bos|>',
  '<|eos|>',
  '<|system|>',
  '<|user|>',
  '<|assistant|>',
  '<|tool|>',
  '<|end|>',
  '<|pad|>',
] as const;

export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

/** Ids of the special tokens by role. */
export const SPECIAL = {
  /** Beginning of a sequence: the first token of every chat prompt. */
  bos: 256,
  /** End of sequence: the model has nothing more to say. */
  eos: 257,
  system: 258,
  user: 259,
  assistant: 260,
  tool: 261,
  /** End of a turn (of any role). */
  end: 262,
  /** Padding; never in a prompt. */
  pad: 263,
} as const;

/** 256 bytes + 8 special tokens. A model's vocabSize must be at least this. */
export const VOCAB_SIZE = BYTE_TOKENS + SPECIAL_TOKEN_NAMES.length;

/** Tokens that end generation: end of turn, or end of sequence. */
export const STOP_TOKENS: readonly number[] = Object.freeze([SPECIAL.end, SPECIAL.eos]);

/** STOP_TOKENS in the form of SamplingParams.stop (enclave/engine/types.ts): one sequence per token. */
export function stopSequences(): number[][] {
  return STOP_TOKENS.map((id) => [id]);
}

export function isSpecialToken(id: number): boolean {
  return Number.isInteger(id) && id >= BYTE_TOKENS && id < VOCAB_SIZE;
}

/** The spelling of a special token, e.g. '<|user|>', or undefined for a byte or unknown id. */
export function specialTokenName(id: number): SpecialTokenName | undefined {
  return isSpecialToken(id) ? SPECIAL_TOKEN_NAMES[id - BYTE_TOKENS] : undefined;
}

/** The id of a special token's spelling, or undefined. */
export function specialTokenId(name: string): number | undefined {
  const i = (SPECIAL_TOKEN_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : BYTE_TOKENS + i;
}
