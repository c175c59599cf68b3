/** Token buckets in a bounded LRU, and how a client is keyed. The clock is injected, never real. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey, RateLimiter } from '../../relay/rate-limit.ts';
import { fcParams } from '../support/seed.ts';

describe('RateLimiter', () => {
  it('grants the burst, then refuses with the wait until the next token', () => {
    const now = 0;
    const l = new RateLimiter({ perSecond: 0.5, burst: 2, maxClients: 10, now: () => now });
    expect(l.take('a')).toEqual({ ok: true });
    expect(l.take('a')).toEqual({ ok: true });
    expect(l.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(l.take('b')).toEqual({ ok: true });
  });

  it('never holds more than maxClients buckets, forgetting the least recently seen', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1, maxClients: 3, now: () => 0 });
    for (const k of ['a', 'b', 'c']) l.take(k);
    l.take('a'); // a is now the most recent; b the least
    l.take('d');
    expect(l.size).toBe(3);
    expect(l.take('b').ok).toBe(true); // b was forgotten: a fresh bucket
    expect(l.take('a').ok).toBe(false); // a was kept: still empty
  });

  it('is off when the rate is 0', () => {
    const l = new RateLimiter({ perSecond: 0, burst: 1, maxClients: 1 });
    for (let i = 0; i < 100; i++) expect(l.take('a').ok).toBe(true);
    expect(l.size).toBe(0);
  });

  it('never grants more than burst + rate x elapsed (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, steps) => {
          let now = 0;
          const l = new RateLimiter({ perSecond: rate, burst, maxClients: 4, now: () => now });
          let granted = 0;
          for (const dt of steps) {
            now += dt;
            if (l.take('k').ok) granted++;
          }
          return granted <= burst + (rate * now) / 1000 + 1e-9;
        },
      ),
      fcParams(),
    );
  });
});

describe('client keys', () => {
  it('keys IPv4 by address and unmaps IPv4-mapped IPv6', () => {
    expect(clientKey('127.0.0.2')).toBe('127.0.0.2');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });

  it('keys IPv6 by its /64', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  it('trusts X-Forwarded-For only from a trusted peer, and only its rightmost entry', () => {
    const trusted = new Set(['10.0.0.1']);
    expect(clientAddress('10.0.0.1', 'spoofed, 192.0.2.7', trusted)).toBe('192.0.2.7');
    expect(clientAddress('10.0.0.9', '192.0.2.7', trusted)).toBe('10.0.0.9');
    expect(clientAddress('10.0.0.1', undefined, trusted)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', ['a', 'b'], trusted)).toBe('b');
  });
});
