/**
 * The TextCodec of tacit's built-in models, over enclave/tokenizer: byte-level encoding, its chat
 * template (<|bos|> (<|role|> content <|end|>)* <|assistant|>), its stop tokens, and its streaming
 * UTF-8 decoder. Prompt text is encoded without special tokens, so no content can forge a turn.
 */
import {
  applyChatTemplate,
  encode,
  STOP_TOKENS,
  type ChatMessage as TemplateMessage,
  Utf8StreamDecoder,
  VOCAB_SIZE,
} from '../tokenizer/index.ts';
import type { ChatMessage, StreamDecoder, TextCodec } from './text-codec.ts';

function toTemplate(m: ChatMessage): TemplateMessage {
  const out: TemplateMessage = { role: m.role, content: m.content };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_calls !== undefined) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  return out;
}

export function builtinCodec(vocabSize = VOCAB_SIZE): TextCodec {
  return {
    vocabSize: Math.min(vocabSize, VOCAB_SIZE),
    stopTokens: STOP_TOKENS,
    encode: (text) => encode(text),
    chatPrompt: (messages, opts) =>
      applyChatTemplate(messages.map(toTemplate), { addGenerationPrompt: opts?.addGenerationPrompt ?? true }),
    decoder(): StreamDecoder {
      const d = new Utf8StreamDecoder();
      return {
        // A model whose vocabulary is padded beyond the tokenizer's may sample an id with no text.
        push: (id) => (id < VOCAB_SIZE ? d.push(id) : ''),
        end: () => d.flush(),
      };
    },
  };
}
