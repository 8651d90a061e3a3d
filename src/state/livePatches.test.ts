import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LivePatch } from '../engine/config';
import { createLivePatcher, type PatchSide, SLIDER_PATCH_MS, TYPED_PATCH_MS } from './livePatches';

describe('live patches', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const recorder = () => {
    const sent: Array<[LivePatch, PatchSide]> = [];
    return { sent, live: createLivePatcher((p, side) => sent.push([p, side])) };
  };

  it('throttles λ_gini and λ_kl like λ, each on its own, ending on the last values', () => {
    const { sent, live } = recorder();
    live.send({ lambdaGini: 0.6 }, 'A');
    live.send({ lambdaKl: 0.7 }, 'A');
    live.send({ lambdaGini: 0.8 }, 'A');
    live.send({ lambdaKl: 0.9 }, 'A');
    // The first of each at once; neither pending value replaced the other's.
    expect(sent).toEqual([
      [{ lambdaGini: 0.6 }, 'A'],
      [{ lambdaKl: 0.7 }, 'A'],
    ]);
    vi.advanceTimersByTime(SLIDER_PATCH_MS);
    expect(sent.slice(2)).toEqual(
      expect.arrayContaining([
        [{ lambdaGini: 0.8 }, 'A'],
        [{ lambdaKl: 0.9 }, 'A'],
      ]),
    );
    expect(sent).toHaveLength(4);
  });

  it('debounces weight decay like lr and sends it to both twin sides', () => {
    const { sent, live } = recorder();
    live.send({ weightDecay: 0.0001 }, 'A');
    live.send({ lr: 0.005 }, 'A');
    live.send({ weightDecay: 0.0005 }, 'A');
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(TYPED_PATCH_MS);
    expect(sent).toEqual(
      expect.arrayContaining([
        [{ weightDecay: 0.0005 }, 'all'],
        [{ lr: 0.005 }, 'all'],
      ]),
    );
    expect(sent).toHaveLength(2);
  });

  it('sends a method switch at once to its side, and flush delivers what is pending', () => {
    const { sent, live } = recorder();
    live.send({ method: 'discern', lambdaGini: 1 }, 'B');
    expect(sent).toEqual([
      [{ lambdaGini: 1 }, 'B'],
      [{ method: 'discern' }, 'B'],
    ]);
    live.send({ lambdaGini: 1.5 }, 'B');
    live.send({ weightDecay: 0.001 }, 'all');
    live.flush();
    expect(sent.slice(2)).toEqual(
      expect.arrayContaining([
        [{ lambdaGini: 1.5 }, 'B'],
        [{ weightDecay: 0.001 }, 'all'],
      ]),
    );
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(4);
  });
});
