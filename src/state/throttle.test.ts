import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounceTrailing, throttleTrailing } from './throttle';

describe('throttleTrailing (λ slider patches)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first value at once and the last value after the interval', () => {
    const sent: number[] = [];
    const t = throttleTrailing((v: number) => sent.push(v), 200);
    t.call(0.1);
    expect(sent).toEqual([0.1]);
    t.call(0.2);
    t.call(0.3);
    expect(sent).toEqual([0.1]);
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([0.1, 0.3]);
  });

  it('sends at most 5 per second during a 2 s drag and always ends on the final value', () => {
    const sent: number[] = [];
    const t = throttleTrailing((v: number) => sent.push(v), 200);
    let v = 0;
    for (let ms = 0; ms < 2000; ms += 16) {
      v = Math.round(ms / 16) / 100;
      t.call(v);
      vi.advanceTimersByTime(16);
    }
    vi.advanceTimersByTime(500);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.at(-1)).toBe(v);
  });

  it('flush sends a pending value now; cancel drops it', () => {
    const sent: number[] = [];
    const t = throttleTrailing((v: number) => sent.push(v), 200);
    t.call(1);
    t.call(2);
    t.flush();
    expect(sent).toEqual([1, 2]);
    t.call(3);
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1, 2]);
  });
});

describe('debounceTrailing (learning-rate typing)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends only the last value once typing pauses', () => {
    const sent: number[] = [];
    const d = debounceTrailing((v: number) => sent.push(v), 500);
    d.call(0.0);
    vi.advanceTimersByTime(200);
    d.call(0.005);
    vi.advanceTimersByTime(499);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([0.005]);
    d.call(0.1);
    d.flush();
    expect(sent).toEqual([0.005, 0.1]);
  });
});
