/** Builds the API app over a scripted engine and the byte codec, and small request helpers. */
import { type ApiOptions, createApiApp } from '../../../../enclave/api/app.ts';
import { byteCodec } from './byte-codec.ts';
import { ScriptedEngine, type ScriptedOptions } from './scripted-engine.ts';

export const NOW = 1_700_000_000_000;

export function setup(engineOpts: ScriptedOptions = {}, apiOpts: Partial<ApiOptions> = {}) {
  const engine = new ScriptedEngine(engineOpts);
  const { app, metrics } = createApiApp({ engine, codec: byteCodec, now: () => NOW, ...apiOpts });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  return { engine, app, metrics, post };
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'tacit-test',
  messages: [{ role: 'user', content }],
  ...extra,
});
