/**
 * A tiny byte-level codec for API tests: token ids 0-255 are bytes, 256 ends a turn, 257-261 open a
 * turn for system/developer/user/assistant/tool. Enough to check prompts, stops and UTF-8 streaming.
 */
import type { ChatMessage, StreamDecoder, TextCodec } from '../../../../enclave/api/text-codec.ts';

export const END = 256;
const ROLE_BASE = 257;
const ROLES: ChatMessage['role'][] = ['system', 'developer', 'user', 'assistant', 'tool'];

export function roleToken(role: ChatMessage['role']): number {
  return ROLE_BASE + ROLES.indexOf(role);
}

export const byteCodec: TextCodec = {
  vocabSize: 262,
  stopTokens: [END],
  encode: (text) => [...new TextEncoder().encode(text)],
  chatPrompt(messages, opts) {
    const out: number[] = [];
    for (const m of messages) out.push(roleToken(m.role), ...new TextEncoder().encode(m.content), END);
    if (opts?.addGenerationPrompt ?? true) out.push(roleToken('assistant'));
    return out;
  },
  decoder(): StreamDecoder {
    const d = new TextDecoder('utf-8', { fatal: false });
    return {
      push: (id) => (id < 256 ? d.decode(Uint8Array.of(id), { stream: true }) : ''),
      end: () => d.decode(),
    };
  },
};

export const bytesOf = (s: string): number[] => [...new TextEncoder().encode(s)];
