import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../engine/config';
import {
  DEFAULT_TWIN,
  formatMilestones,
  formatParamNumber,
  hasStateParams,
  parseMilestones,
  queryToState,
  stateToQuery,
} from './urlConfig';

describe('URL <-> settings', () => {
  it('round-trips every setting and the twin', () => {
    const config: TrainConfig = {
      ...DEFAULT_CONFIG,
      dataset: 'cifar10',
      model: 'resnet',
      method: 'itra',
      lambda: 0.65,
      estimator: 'unbiased',
      warmup: 0,
      lr: 0.005,
      batchSize: 128,
      seed: -3,
      evalEvery: 25,
      maxSteps: 1000,
    };
    const twin = {
      enabled: true,
      method: 'vanilla' as const,
      estimator: 'biased' as const,
      lambda: 1.2,
      lambdaGini: 0.25,
      lambdaKl: 1.5,
    };
    const q = stateToQuery({ config, twin });
    const back = queryToState(`?${q}`);
    expect(back.problems).toEqual([]);
    expect(back.config).toEqual(config);
    expect(back.twin).toEqual(twin);
  });

  it('writes no twin params when the twin is off and keeps unrelated params', () => {
    const q = stateToQuery({ config: DEFAULT_CONFIG, twin: DEFAULT_TWIN }, '?debug=1&bMethod=itra');
    const p = new URLSearchParams(q);
    expect(p.get('debug')).toBe('1');
    expect(p.has('bMethod')).toBe(false);
    expect(p.has('twin')).toBe(false);
    expect(p.get('lambda')).toBe('0.6');
  });

  it('gives the defaults for an empty query', () => {
    const r = queryToState('');
    expect(r.config).toEqual(DEFAULT_CONFIG);
    expect(r.twin).toEqual(DEFAULT_TWIN);
    expect(r.problems).toEqual([]);
    expect(hasStateParams('')).toBe(false);
    expect(hasStateParams('?lambda=1')).toBe(true);
  });

  it('replaces each bad parameter by its default, keeps the good ones, and reports them', () => {
    const r = queryToState(
      '?lambda=abc&lr=-1&batchSize=2.5&method=magic&dataset=mnist&seed=7&warmup=100&evalEvery=0',
    );
    expect(r.config.lambda).toBe(DEFAULT_CONFIG.lambda);
    expect(r.config.lr).toBe(DEFAULT_CONFIG.lr);
    expect(r.config.batchSize).toBe(DEFAULT_CONFIG.batchSize);
    expect(r.config.method).toBe(DEFAULT_CONFIG.method);
    expect(r.config.dataset).toBe(DEFAULT_CONFIG.dataset);
    expect(r.config.evalEvery).toBe(DEFAULT_CONFIG.evalEvery);
    expect(r.config.seed).toBe(7);
    expect(r.config.warmup).toBe(100);
    const keys = r.problems.map((p) => p.split('=')[0]);
    expect(keys.sort()).toEqual(
      ['batchSize', 'dataset', 'evalEvery', 'lambda', 'lr', 'method'].sort(),
    );
    expect(r.problems.find((p) => p.startsWith('lambda'))).toMatch(/not a number/);
  });

  it('rejects numbers with trailing junk, Infinity and hex', () => {
    for (const bad of ['0.6x', 'Infinity', '0x10', '', ' ']) {
      const r = queryToState(`?lambda=${encodeURIComponent(bad)}`);
      expect(r.config.lambda).toBe(DEFAULT_CONFIG.lambda);
      expect(r.problems).toHaveLength(1);
    }
  });

  it('falls back from ResNet when the dataset is not CIFAR-10', () => {
    const r = queryToState('?dataset=kmnist&model=resnet');
    expect(r.config.dataset).toBe('kmnist');
    expect(r.config.model).toBe('small');
    expect(r.problems[0]).toMatch(/resnet/);
  });

  it('validates the twin params', () => {
    const r = queryToState('?twin=yes&bMethod=nope&bEstimator=x&bLambda=-2');
    expect(r.twin).toEqual(DEFAULT_TWIN);
    expect(r.problems).toHaveLength(4);
  });

  it('formats numbers without float noise', () => {
    expect(formatParamNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatParamNumber(0.65)).toBe('0.65');
    expect(formatParamNumber(1e-4)).toBe('0.0001');
  });

  it('round-trips the Gini + KL weights and the training knobs', () => {
    const config: TrainConfig = {
      ...DEFAULT_CONFIG,
      method: 'discern',
      lambdaGini: 0.35,
      lambdaKl: 1.1,
      weightDecay: 5e-4,
      lrSchedule: 'step',
      lrMilestones: [1000, 2000],
      lrGamma: 0.2,
      lrFloor: 0.05,
      lrWarmup: 100,
      augment: true,
      cropPadding: 4,
      flip: true,
      labelNoise: 0.4,
    };
    const q = stateToQuery({ config, twin: DEFAULT_TWIN });
    const p = new URLSearchParams(q);
    expect(p.get('augment')).toBe('1');
    expect(p.get('flip')).toBe('1');
    expect(p.get('lrMilestones')).toBe('1000,2000');
    expect(p.get('weightDecay')).toBe('0.0005');
    const back = queryToState(`?${q}`);
    expect(back.problems).toEqual([]);
    expect(back.config).toEqual(config);
    // No milestones is an empty parameter; booleans off are 0.
    const plain = new URLSearchParams(stateToQuery({ config: DEFAULT_CONFIG, twin: DEFAULT_TWIN }));
    expect(plain.get('lrMilestones')).toBe('');
    expect(plain.get('augment')).toBe('0');
    expect(queryToState(`?${plain}`).config).toEqual(DEFAULT_CONFIG);
  });

  it('accepts true/false for booleans and commas with spaces for milestones', () => {
    const r = queryToState('?augment=true&flip=false&lrSchedule=step&lrMilestones=500,%201500');
    expect(r.problems).toEqual([]);
    expect(r.config.augment).toBe(true);
    expect(r.config.flip).toBe(false);
    expect(r.config.lrMilestones).toEqual([500, 1500]);
  });

  it('replaces each bad training knob by its default with the schema message', () => {
    const r = queryToState(
      '?weightDecay=-1&lrMilestones=2000,1000&labelNoise=0.9&cropPadding=-2&augment=yes&lrMilestones2=x&lrSchedule=linear&lrGamma=0',
    );
    expect(r.config.weightDecay).toBe(DEFAULT_CONFIG.weightDecay);
    expect(r.config.lrMilestones).toEqual(DEFAULT_CONFIG.lrMilestones);
    expect(r.config.labelNoise).toBe(DEFAULT_CONFIG.labelNoise);
    expect(r.config.cropPadding).toBe(DEFAULT_CONFIG.cropPadding);
    expect(r.config.augment).toBe(DEFAULT_CONFIG.augment);
    expect(r.config.lrSchedule).toBe(DEFAULT_CONFIG.lrSchedule);
    expect(r.config.lrGamma).toBe(DEFAULT_CONFIG.lrGamma);
    const byKey = Object.fromEntries(r.problems.map((p) => [p.split('=')[0], p]));
    expect(Object.keys(byKey).sort()).toEqual(
      [
        'augment',
        'cropPadding',
        'labelNoise',
        'lrGamma',
        'lrMilestones',
        'lrSchedule',
        'weightDecay',
      ].sort(),
    );
    expect(byKey.weightDecay).toMatch(/weight decay must be ≥ 0/);
    expect(byKey.lrMilestones).toMatch(/strictly increasing/);
    expect(byKey.labelNoise).toMatch(/label noise must be ≤ 0.8/);
    expect(byKey.cropPadding).toMatch(/crop padding must be ≥ 0/);
    expect(byKey.augment).toMatch(/expected 1 or 0/);
    expect(queryToState('?lrMilestones=10,abc').problems[0]).toMatch(/"abc" is not a number/);
  });

  it('gives a link that names a dataset but not its augmentation the dataset’s defaults', () => {
    expect(queryToState('?dataset=cifar10').config).toMatchObject({
      augment: true,
      cropPadding: 4,
      flip: true,
    });
    expect(queryToState('?dataset=cifar10&augment=0').config).toMatchObject({
      augment: false,
      cropPadding: 4,
    });
    expect(queryToState('?dataset=kmnist').config).toMatchObject({ augment: false, flip: false });
  });

  it('falls back to the constant schedule where the other settings cannot carry it', () => {
    const cosine = queryToState('?lrSchedule=cosine&maxSteps=0');
    expect(cosine.config.lrSchedule).toBe('constant');
    expect(cosine.problems).toHaveLength(1);
    expect(cosine.problems[0]).toMatch(/^lrSchedule=cosine: .*max steps/);
    const step = queryToState('?lrSchedule=step&lrMilestones=');
    expect(step.config.lrSchedule).toBe('constant');
    expect(step.problems[0]).toMatch(/^lrSchedule=step: .*milestone/);
    expect(queryToState('?lrSchedule=cosine&maxSteps=3000').problems).toEqual([]);
  });

  it("validates side B's Gini + KL weights", () => {
    const ok = queryToState('?twin=1&bMethod=discern&bLambdaGini=1.25&bLambdaKl=0');
    expect(ok.problems).toEqual([]);
    expect(ok.twin).toMatchObject({ method: 'discern', lambdaGini: 1.25, lambdaKl: 0 });
    const bad = queryToState('?twin=1&bLambdaGini=-1&bLambdaKl=x');
    expect(bad.twin.lambdaGini).toBe(DEFAULT_TWIN.lambdaGini);
    expect(bad.twin.lambdaKl).toBe(DEFAULT_TWIN.lambdaKl);
    expect(bad.problems.map((p) => p.split('=')[0]).sort()).toEqual(['bLambdaGini', 'bLambdaKl']);
    expect(bad.problems[0]).toMatch(/λ_gini must be a number ≥ 0/);
  });

  it('parses and formats milestone lists as people type them', () => {
    expect(parseMilestones('')).toEqual({ value: [] });
    expect(parseMilestones(' 1000, 2000 ')).toEqual({ value: [1000, 2000] });
    expect(parseMilestones('1000 2000')).toEqual({ value: [1000, 2000] });
    expect(parseMilestones('2000, 1000')).toEqual({
      error: 'milestones must be strictly increasing',
    });
    expect(parseMilestones('1000, 1000')).toEqual({
      error: 'milestones must be strictly increasing',
    });
    expect(parseMilestones('10.5')).toEqual({ error: 'milestones must be whole steps' });
    expect(parseMilestones('0')).toEqual({ error: 'milestones must be ≥ 1' });
    expect(formatMilestones([1000, 2000])).toBe('1000, 2000');
    expect(formatMilestones([])).toBe('');
  });
});
