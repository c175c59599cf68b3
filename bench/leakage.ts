/**
 * `npm run bench -- leakage [--per-class N] [--concurrency C]`: the full leakage suite with the default
 * shaping, against the same path with shaping off (the baseline of this benchmark), plus the
 * padding-policy measurements the defaults were chosen from.
 *
 * Prints one row per secret attribute: what the relay observes, how well a nearest-centroid
 * classifier predicts the attribute from it (cross-validated, vs the majority baseline), the mutual
 * information (bits, vs the 99.9% permutation threshold), the KS p-value between the classes'
 * timings, and the overhead in bytes and time. Writes JSON to bench/results/leakage.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SHAPING_DEFAULTS, SHAPING_OFF, type ShapingConfig } from '../gateway/shaping/index.ts';
import { encodeResponse } from '../shared/bhttp/index.ts';
import { buckets, type PaddingPolicy, padme, powerOfTwo } from '../shared/padding/index.ts';
import { startStack } from '../test/leakage/support/harness.ts';
import { ATTRIBUTES, assess, type Leakage, requestsFor } from '../test/leakage/support/suite.ts';
import { syntheticTarget } from '../test/leakage/support/target.ts';

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const f2 = (x: number) => x.toFixed(2);

/** Whole-answer byte overhead and size classes of each candidate policy over realistic answer sizes. */
function policyTable(): Record<string, { overhead: number; classes: number }> {
  // Chat completion answers of 1..1024 tokens (~5 bytes each) in the OpenAI JSON shape.
  const sizes: number[] = [];
  for (let tokens = 1; tokens <= 1024; tokens++) {
    const content = 'word '.repeat(tokens);
    const json = JSON.stringify({
      id: 'chatcmpl-0123456789',
      object: 'chat.completion',
      created: 1700000000,
      model: 'tiny',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: tokens, total_tokens: 100 + tokens },
    });
    sizes.push(
      encodeResponse({
        status: 200,
        headers: [['content-type', 'application/json']],
        content: new TextEncoder().encode(json),
      }).length,
    );
  }
  const candidates: [string, PaddingPolicy][] = [
    ['padme', padme],
    ['pow2:256', powerOfTwo({ floor: 256 })],
    ['pow2:1024', powerOfTwo({ floor: 1024 })],
    ['buckets:1k,2k,4k,8k', buckets([1024, 2048, 4096, 8192])],
  ];
  const out: Record<string, { overhead: number; classes: number }> = {};
  for (const [name, p] of candidates) {
    const padded = sizes.map(p);
    const overhead = padded.reduce((s, x, i) => s + x / sizes[i]! - 1, 0) / sizes.length;
    out[name] = { overhead, classes: new Set(padded).size };
  }
  return out;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'per-class': { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const perClass = Number(values['per-class']);
  const concurrency = Number(values.concurrency);
  const shaping: ShapingConfig = SHAPING_DEFAULTS;
  const clientPadding = powerOfTwo({ floor: 4096 });

  const rows: { attribute: string; mode: string; off: Leakage; on: Leakage }[] = [];
  for (const a of ATTRIBUTES) {
    const result: Partial<Record<'off' | 'on', Leakage>> = {};
    for (const which of ['off', 'on'] as const) {
      const stack = await startStack({
        target: syntheticTarget().fetch,
        shaping: which === 'on' ? shaping : SHAPING_OFF,
        ...(which === 'on' ? { clientPadding } : {}),
      });
      try {
        if (a.warmup) await stack.run(a.warmup(perClass), concurrency);
        result[which] = assess(a, await stack.run(requestsFor(a, perClass), concurrency));
      } finally {
        await stack.close();
      }
    }
    rows.push({ attribute: a.name, mode: a.mode, off: result.off!, on: result.on! });
    process.stderr.write(`${a.name} done\n`);
  }

  const observable = (mode: string) =>
    mode === 'stream' ? 'bytes, reads, gaps, duration' : 'request/response bytes, duration';
  const lines = [
    `leakage: ${perClass} requests per class, concurrency ${concurrency}; shaping ${JSON.stringify(shaping)}, client padding pow2:4096`,
    '',
    '| attribute | mode | observable | accuracy off / on (baseline) | MI bits off / on (threshold on) | KS p off / on | size classes off / on | bytes on/off | duration on/off | TTFT on - off |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ks = (l: Leakage) => Math.min(l.ksDuration, l.ksGaps);
    lines.push(
      `| ${r.attribute} | ${r.mode} | ${observable(r.mode)} | ${pct(r.off.accuracy)} / ${pct(r.on.accuracy)} (${pct(r.on.baseline)}) | ` +
        `${f2(r.off.mi)} / ${f2(r.on.mi)} (${f2(r.on.miThreshold)}) | ${ks(r.off).toExponential(1)} / ${ks(r.on).toFixed(2)} | ` +
        `${r.off.sizeClasses} / ${r.on.sizeClasses} | ${f2(r.on.meanBytes / r.off.meanBytes)}x | ` +
        `${f2(r.on.meanDuration / r.off.meanDuration)}x | ${(r.on.meanTtft - r.off.meanTtft).toFixed(0)} ms |`,
    );
  }
  const policies = policyTable();
  lines.push(
    '',
    '| whole-answer policy (answers of 1..1024 tokens) | mean byte overhead | size classes |',
    '| --- | --- | --- |',
  );
  for (const [name, p] of Object.entries(policies))
    lines.push(`| ${name} | ${pct(p.overhead)} | ${p.classes} |`);
  process.stdout.write(`${lines.join('\n')}\n`);

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/leakage.json', import.meta.url),
    JSON.stringify({ perClass, concurrency, shaping, rows, policies }, null, 2),
  );
}
