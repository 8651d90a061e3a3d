/** The learning-rate schedules: each factor at chosen steps equals its formula. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, validateConfig } from './config';
import { effectiveLearningRate, type ScheduleSettings, scheduleFactor } from './schedule';

const base: ScheduleSettings = { ...DEFAULT_CONFIG, maxSteps: 1000 };

describe('learning-rate schedule', () => {
  it('constant: 1 at every step', () => {
    for (const t of [0, 1, 500, 10_000]) expect(scheduleFactor(base, t)).toBe(1);
  });

  it('step decay: γ^(milestones passed), decayed from the milestone step itself', () => {
    const s = { ...base, lrSchedule: 'step' as const, lrMilestones: [100, 300], lrGamma: 0.5 };
    expect(scheduleFactor(s, 0)).toBe(1);
    expect(scheduleFactor(s, 99)).toBe(1);
    expect(scheduleFactor(s, 100)).toBe(0.5);
    expect(scheduleFactor(s, 299)).toBe(0.5);
    expect(scheduleFactor(s, 300)).toBe(0.25);
    expect(scheduleFactor(s, 5000)).toBe(0.25);
  });

  it('cosine: floor + (1 − floor)(1 + cos(π t/T))/2, held at the floor after T', () => {
    const s = { ...base, lrSchedule: 'cosine' as const, lrFloor: 0.1 };
    const f = (t: number) => 0.1 + (0.9 * (1 + Math.cos((Math.PI * t) / 1000))) / 2;
    expect(scheduleFactor(s, 0)).toBe(1);
    for (const t of [1, 250, 500, 999]) expect(scheduleFactor(s, t)).toBeCloseTo(f(t), 12);
    expect(scheduleFactor(s, 500)).toBeCloseTo(0.55, 12);
    expect(scheduleFactor(s, 1000)).toBeCloseTo(0.1, 12);
    expect(scheduleFactor(s, 2000)).toBeCloseTo(0.1, 12);
  });

  it('linear warm-up: (t + 1)/N for the first N steps, on top of the shape', () => {
    const s = { ...base, lrSchedule: 'cosine' as const, lrWarmup: 10 };
    expect(scheduleFactor(s, 0)).toBeCloseTo(0.1 * scheduleFactor({ ...s, lrWarmup: 0 }, 0), 12);
    expect(scheduleFactor(s, 4)).toBeCloseTo(0.5 * scheduleFactor({ ...s, lrWarmup: 0 }, 4), 12);
    expect(scheduleFactor(s, 10)).toBe(scheduleFactor({ ...s, lrWarmup: 0 }, 10));
  });

  it('a live lr scales the whole schedule', () => {
    const s = { ...base, lrSchedule: 'step' as const, lrMilestones: [10], lrGamma: 0.1 };
    expect(effectiveLearningRate({ ...s, lr: 0.05 }, 20)).toBeCloseTo(0.005, 12);
    expect(effectiveLearningRate({ ...s, lr: 0.2 }, 20)).toBeCloseTo(0.02, 12);
  });
});

describe('the training knobs’ settings', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['weight decay < 0', { weightDecay: -1e-4 }, /weightDecay: weight decay must be ≥ 0/],
    [
      'milestones not increasing',
      { lrSchedule: 'step', lrMilestones: [300, 100] },
      /lrMilestones: milestones must be strictly increasing/,
    ],
    ['label noise ≥ 1', { labelNoise: 1 }, /labelNoise: label noise must be ≤ 0\.8/],
    ['crop padding negative', { cropPadding: -1 }, /cropPadding: crop padding must be ≥ 0/],
    ['γ of 0', { lrGamma: 0 }, /lrGamma: γ must be > 0/],
    ['cosine without max steps', { lrSchedule: 'cosine', maxSteps: 0 }, /set max steps/],
    ['step decay without milestones', { lrSchedule: 'step' }, /at least one milestone/],
    ['an unknown schedule', { lrSchedule: 'exponential' }, /schedule must be one of/],
  ];
  for (const [what, patch, message] of bad) {
    it(`refuses ${what} with a message naming it`, () => {
      expect(() => validateConfig({ ...DEFAULT_CONFIG, ...patch })).toThrow(message);
    });
  }

  it('accepts a full CIFAR-style setup', () => {
    const c = validateConfig({
      ...DEFAULT_CONFIG,
      dataset: 'cifar10',
      weightDecay: 5e-4,
      lrSchedule: 'cosine',
      maxSteps: 3000,
      lrWarmup: 100,
      augment: true,
      cropPadding: 4,
      flip: true,
      labelNoise: 0.4,
    });
    expect(c.labelNoise).toBe(0.4);
  });
});
