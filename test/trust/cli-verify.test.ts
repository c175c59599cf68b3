/**
 * `tacit verify` over a real socket: an answer from the built-in model with its receipt, checked for
 * attestation, signature, commitments, log inclusion and replay; and the same command failing, with
 * one reason, when the response was changed or the receipt's seed does not reproduce the answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { createInferenceApp, type InferenceApp } from '../../enclave/index.ts';
import { wholeAnswerReceipt } from '../../gateway/trust/answer.ts';
import { requestFacts } from '../../gateway/trust/facts.ts';
import { encodeRequest } from '../../shared/bhttp/index.ts';
import { bytesToHex, utf8 } from '../../shared/bytes.ts';
import { type TrustHarness, trustHarness } from './support/harness.ts';

let h: TrustHarness;
let target: InferenceApp;
let server: ReturnType<typeof serve>;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'tacit-verify-'));

beforeAll(async () => {
  target = await createInferenceApp({ engineOptions: { model: 'tiny' } });
  h = await trustHarness({ models: [`sha256:${target.engine.model.digest}`] });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await h.close();
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One answer through the receipt path, saved as the three files `tacit verify` reads. */
async function saveAnswer(name: string, seedShift = 0): Promise<string[]> {
  const content = utf8.encode(
    JSON.stringify({ model: 'tacit-tiny', messages: [{ role: 'user', content: 'hello' }], max_tokens: 12 }),
  );
  const request = encodeRequest({
    method: 'POST',
    scheme: 'https',
    authority: 'tacit.local',
    path: '/v1/chat/completions',
    headers: [['content-type', 'application/json']],
    content,
  });
  const facts = requestFacts('POST', '/v1/chat/completions', 'application/json', content);
  const res = await target.app.request('http://tacit.local/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: facts.body as Uint8Array<ArrayBuffer>,
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const draft = h.trust.issuer.draft();
  draft.request.update(request);
  const [, field] = await wholeAnswerReceipt(
    {
      trust: h.trust,
      draft,
      model: `sha256:${target.engine.model.digest}`,
      facts: { ...facts, seed: facts.seed! + seedShift },
    },
    'application/json',
    body,
  );
  const files = ['receipt', 'request', 'response'].map((k) => join(dir, `${name}.${k}`));
  writeFileSync(files[0]!, field);
  writeFileSync(files[1]!, request);
  writeFileSync(files[2]!, body);
  return files;
}

async function verify(
  files: string[],
  extra: string[] = [],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    const [receipt, request, response] = files;
    const code = await main([
      'verify',
      '--receipt',
      receipt!,
      '--request',
      request!,
      '--response',
      response!,
      '--attestation',
      `${base}/attestation`,
      '--dev-platform-key',
      bytesToHex(h.platformPublicKey),
      ...extra,
    ]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('tacit verify', () => {
  it('checks attestation, signature, commitments, log inclusion, and replays the answer', async () => {
    const r = await verify(await saveAnswer('good'), ['--replay']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('warning: development attestation');
    expect(r.out).toContain('signature and commitments: ok');
    expect(r.out).toMatch(/log inclusion: ok \(entry \d+ of \d+/);
    expect(r.out).toContain('replay: ok');
  });

  it('fails on a response that is not the one the receipt commits to', async () => {
    const files = await saveAnswer('changed');
    writeFileSync(files[2]!, '{"choices":[]}');
    const r = await verify(files);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/response commitment does not match/);
  });

  it('fails a replay when the recorded seed does not give the same answer', async () => {
    const r = await verify(await saveAnswer('reseeded', 1), ['--replay']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/replay gave a different answer/);
  });
});
