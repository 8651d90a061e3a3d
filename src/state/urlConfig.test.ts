import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../engine/config';
import {
  DEFAULT_TWIN,
  formatParamNumber,
  hasStateParams,
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
});
