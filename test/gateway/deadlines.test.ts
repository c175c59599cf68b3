import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../gateway/deadlines.ts';

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = (ms: number) => new Deadlines(ms, () => Date.now());

  it('fires each deadline once, ms after it was set, in order', () => {
    const d = make(100);
    const fired: string[] = [];
    d.add(() => fired.push('a'));
    vi.advanceTimersByTime(40);
    d.add(() => fired.push('b'));
    vi.advanceTimersByTime(59);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(39);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['a', 'b']);
    expect(d.size).toBe(0);
  });

  it('a cleared deadline never fires, and clearing twice is harmless', () => {
    const d = make(50);
    const fired: number[] = [];
    const first = d.add(() => fired.push(1));
    d.add(() => fired.push(2));
    first.clear();
    first.clear();
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([2]);
  });

  it('re-arms for a later deadline when the one it was armed for was cleared', () => {
    const d = make(100);
    const fired: number[] = [];
    d.add(() => fired.push(1)).clear();
    vi.advanceTimersByTime(30);
    d.add(() => fired.push(2));
    vi.advanceTimersByTime(70); // the timer armed for the cleared one fires and finds nothing due
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(30);
    expect(fired).toEqual([2]);
  });

  it('keeps one timer for any number of pending deadlines', () => {
    const d = make(1000);
    const before = vi.getTimerCount();
    const handles = Array.from({ length: 500 }, () => d.add(() => {}));
    expect(vi.getTimerCount() - before).toBe(1);
    for (const h of handles) h.clear();
    expect(d.size).toBe(0);
  });
});
