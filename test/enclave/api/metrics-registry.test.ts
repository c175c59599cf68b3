import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTacitError } from '../../../shared/errors.ts';
import { Registry } from '../../../shared/metrics.ts';
import { fcParams } from '../../support/seed.ts';

describe('shared/metrics: Prometheus text exposition', () => {
  it('renders counters, gauges and histograms exactly', () => {
    const r = new Registry();
    const c = r.counter('tacit_requests_total', 'Requests answered.', { labelNames: ['route', 'status'] });
    const g = r.gauge('tacit_queue_depth', 'Requests waiting.');
    const h = r.histogram('tacit_ttft_seconds', 'Time to first token.', [0.1, 1]);
    c.inc(1, { route: 'chat', status: '200' });
    c.inc(2, { route: 'chat', status: '200' });
    c.inc(1, { route: 'models', status: '404' });
    g.set(3);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(7);
    expect(r.render()).toBe(
      [
        '# HELP tacit_requests_total Requests answered.',
        '# TYPE tacit_requests_total counter',
        'tacit_requests_total{route="chat",status="200"} 3',
        'tacit_requests_total{route="models",status="404"} 1',
        '# HELP tacit_queue_depth Requests waiting.',
        '# TYPE tacit_queue_depth gauge',
        'tacit_queue_depth 3',
        '# HELP tacit_ttft_seconds Time to first token.',
        '# TYPE tacit_ttft_seconds histogram',
        'tacit_ttft_seconds_bucket{le="0.1"} 1',
        'tacit_ttft_seconds_bucket{le="1"} 2',
        'tacit_ttft_seconds_bucket{le="+Inf"} 3',
        'tacit_ttft_seconds_sum 7.55',
        'tacit_ttft_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('shows an unlabelled metric as 0 before its first update', () => {
    const r = new Registry();
    r.counter('a_total', 'A.');
    expect(r.render()).toContain('\na_total 0\n');
  });

  it('escapes label values and help text', () => {
    const r = new Registry();
    r.gauge('g', 'line\\one\ntwo', { labelNames: ['k'] }).set(Number.POSITIVE_INFINITY, { k: 'a"b\\c\nd' });
    expect(r.render()).toBe('# HELP g line\\\\one\\ntwo\n# TYPE g gauge\ng{k="a\\"b\\\\c\\nd"} +Inf\n');
  });

  it('refuses bad names, wrong labels, decreasing counters, unbounded label sets and duplicates', () => {
    const r = new Registry();
    const bad: (() => unknown)[] = [
      () => r.counter('1bad', 'x'),
      () => r.counter('ok_total', 'x', { labelNames: ['__reserved'] }),
      () => r.histogram('h', 'x', [1], { labelNames: ['le'] }),
      () => r.histogram('h2', 'x', [2, 1]),
      () => r.histogram('h3', 'x', []),
    ];
    const c = r.counter('c_total', 'x', { labelNames: ['k'], maxSeries: 2 });
    bad.push(
      () => c.inc(1),
      () => c.inc(1, { k: 'a', extra: 'b' }),
      () => c.inc(-1, { k: 'a' }),
      () => r.counter('c_total', 'again'),
      () => r.histogram('h4', 'x', [1]).observe(Number.NaN),
    );
    c.inc(1, { k: 'a' });
    c.inc(1, { k: 'b' });
    bad.push(() => c.inc(1, { k: 'c' }));
    for (const f of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('histogram buckets are cumulative, end at the count, and sum every observation', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 100, noNaN: true }), { maxLength: 50 }), (xs) => {
        const r = new Registry();
        const h = r.histogram('x_seconds', 'x', [0, 1, 10]);
        for (const x of xs) h.observe(x);
        const lines = r.render().split('\n');
        const buckets = lines
          .filter((l) => l.startsWith('x_seconds_bucket'))
          .map((l) => Number(l.split(' ')[1]));
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
        expect(buckets.at(-1)).toBe(xs.length);
        expect(buckets[0]).toBe(xs.filter((x) => x <= 0).length);
        expect(h.count()).toBe(xs.length);
        const sum = Number(lines.find((l) => l.startsWith('x_seconds_sum'))!.split(' ')[1]);
        expect(sum).toBeCloseTo(
          xs.reduce((a, b) => a + b, 0),
          6,
        );
      }),
      fcParams(),
    );
  });
});
