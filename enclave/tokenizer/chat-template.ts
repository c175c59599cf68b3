/**
 * The chat template of the built-in models: OpenAI chat messages -> prompt token ids.
 *
 *   <|bos|> ( <|role|> content <|end|> )* <|assistant|>
 *
 * Each message is its role token, its content as plain bytes (never special tokens: encode.ts), and
 * <|end|>. The prompt ends with <|assistant|> so the model continues with the answer, which ends with
 * <|end|> or <|eos|> (STOP_TOKENS). Structure lives only in special tokens, so no content, whatever
 * it spells, can open or close a turn.
 *
 * Tool use: an assistant message's tool_calls are rendered as one JSON line per call after its text,
 * `{"id":...,"name":...,"arguments":...}`; a tool message starts with a JSON line `{"tool_call_id":...}`.
 * 'developer' (the newer name for 'system' in the OpenAI API) is rendered as system. A message's
 * optional `name` is not rendered: the built-in models have no notion of participants.
 */
import { invalidArgument } from '../../shared/errors.ts';
import { encode } from './encode.ts';
import { SPECIAL } from './vocab.ts';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The subset of OpenAI's ChatCompletionMessageParam that a text-only model can take. */
export interface ChatMessage {
  role: ChatRole;
  content?: string | TextPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export interface TemplateOptions {
  /** End with <|assistant|> so the model answers (default true). */
  addGenerationPrompt?: boolean;
}

const ROLE_TOKEN: Record<ChatRole, number> = {
  system: SPECIAL.system,
  developer: SPECIAL.system,
  user: SPECIAL.user,
  assistant: SPECIAL.assistant,
  tool: SPECIAL.tool,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text of a message's content: a string, or the concatenation of its text parts. */
function contentText(content: unknown, at: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidArgument(`${at}.content must be a string or an array of parts`);
  return content
    .map((part, i) => {
      if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') {
        // Images, audio and files need a model that reads them; refuse rather than silently drop.
        throw invalidArgument(`${at}.content[${i}]: only text parts are supported`);
      }
      return part.text;
    })
    .join('');
}

function toolCallsText(calls: unknown, at: string): string {
  if (calls === undefined || calls === null) return '';
  if (!Array.isArray(calls)) throw invalidArgument(`${at}.tool_calls must be an array`);
  return calls
    .map((c, i) => {
      const fn = isRecord(c) ? c.function : undefined;
      if (!isRecord(c) || typeof c.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string') {
        throw invalidArgument(`${at}.tool_calls[${i}] must have an id and a function name`);
      }
      const args = typeof fn.arguments === 'string' ? fn.arguments : '';
      return `\n${JSON.stringify({ id: c.id, name: fn.name, arguments: args })}`;
    })
    .join('');
}

/** The content bytes of one message, validated. */
function messageText(m: unknown, i: number): { role: ChatRole; text: string } {
  const at = `messages[${i}]`;
  if (!isRecord(m)) throw invalidArgument(`${at} must be an object`);
  const role = m.role;
  if (typeof role !== 'string' || !Object.hasOwn(ROLE_TOKEN, role)) {
    throw invalidArgument(`${at}.role must be one of ${Object.keys(ROLE_TOKEN).join(', ')}`);
  }
  let text = contentText(m.content, at);
  if (role === 'assistant') text += toolCallsText(m.tool_calls, at);
  if (role === 'tool') {
    if (typeof m.tool_call_id !== 'string') throw invalidArgument(`${at}.tool_call_id must be a string`);
    text = `${JSON.stringify({ tool_call_id: m.tool_call_id })}\n${text}`;
  }
  return { role: role as ChatRole, text };
}

/** OpenAI chat messages -> prompt token ids (see the file comment for the format). */
export function applyChatTemplate(messages: readonly ChatMessage[], options: TemplateOptions = {}): number[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidArgument('messages must be a non-empty array');
  }
  const ids: number[] = [SPECIAL.bos];
  messages.forEach((m, i) => {
    const { role, text } = messageText(m, i);
    ids.push(ROLE_TOKEN[role]);
    for (const id of encode(text)) ids.push(id);
    ids.push(SPECIAL.end);
  });
  if (options.addGenerationPrompt !== false) ids.push(SPECIAL.assistant);
  return ids;
}
