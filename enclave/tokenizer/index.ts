/** The tokenizer of tacit's built-in models: byte-level ids, special tokens, chat template, streaming text. */
export type { ChatMessage, ChatRole, TemplateOptions, TextPart, ToolCall } from './chat-template.ts';
export { applyChatTemplate } from './chat-template.ts';
export type { DecodeOptions, EncodeOptions } from './encode.ts';
export { decode, decodeText, encode } from './encode.ts';
export { Utf8StreamDecoder } from './utf8-stream.ts';
export type { SpecialTokenName } from './vocab.ts';
export {
  BYTE_TOKENS,
  isSpecialToken,
  SPECIAL,
  SPECIAL_TOKEN_NAMES,
  STOP_TOKENS,
  specialTokenId,
  specialTokenName,
  stopSequences,
  VOCAB_SIZE,
} from './vocab.ts';
