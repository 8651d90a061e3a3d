/** The Sweep panel's fields → a grid, and every refusal naming the offending value. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../engine/config';
import { parseSeeds, parseVary, planSweep, type SweepForm } from './sweepForm';

const base: TrainConfig = { ...DEFAULT_CONFIG, dataset: 'kmnist', model: 'tiny', maxSteps: 8 };
const form = (f: Partial<SweepForm> = {}): SweepForm => ({
  seeds: '1-2',
  methods: ['vanilla', 'itra-c'],
  lambdas: '0.8',
  vary: [],
  ...f,
});
const refusal = (f: Partial<SweepForm>, b: unknown = base) => {
  const plan = planSweep(form(f), b);
  if (plan.ok) throw new Error('expected a refusal');
  return plan.error;
};

describe('seeds', () => {
  it('reads ranges, lists and both together', () => {
    expect(parseSeeds('1-3')).toEqual([1, 2, 3]);
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(parseSeeds(' 1 - 3 , 7 ')).toEqual([1, 2, 3, 7]);
    expect(parseSeeds('5')).toEqual([5]);
    expect(parseSeeds('2,2,1-2')).toEqual([2, 1]);
    expect(parseSeeds('-1--1')).toEqual([-1]);
  });
  it('refuses what is not whole numbers or a range, naming it', () => {
    expect(() => parseSeeds('')).toThrow('no seeds given');
    expect(() => parseSeeds(' , ')).toThrow('no seeds given');
    expect(() => parseSeeds('1.5')).toThrow('seeds=1.5');
    expect(() => parseSeeds('1,x')).toThrow('seeds=x');
    expect(() => parseSeeds('3-1')).toThrow('seeds=3-1: the range runs backwards');
    expect(() => parseSeeds('1-1000')).toThrow('seeds=1-1000');
  });
});

describe('other settings', () => {
  it('parses names in either spelling and skips empty rows', () => {
    expect(
      parseVary([
        { setting: 'lr', values: '0.01, 0.05' },
        { setting: '', values: '' },
        { setting: 'weight-decay', values: '0,5e-4' },
        { setting: 'optimizer', values: 'sgd,adam' },
        { setting: 'augment', values: 'on,off' },
      ]),
    ).toEqual({
      lr: [0.01, 0.05],
      weightDecay: [0, 5e-4],
      optimizer: ['sgd', 'adam'],
      augment: [true, false],
    });
  });
  it('refuses unknown settings, bad values, lists, duplicates, seeds/method/λ', () => {
    expect(() => parseVary([{ setting: 'foo', values: '1' }])).toThrow('"foo": unknown setting');
    expect(() => parseVary([{ setting: 'lr', values: '0.01,-1' }])).toThrow('lr=-1');
    expect(() => parseVary([{ setting: 'lr', values: '0.01,abc' }])).toThrow(
      'lr=abc: not a number',
    );
    expect(() => parseVary([{ setting: 'optimizer', values: 'sgd,rmsprop' }])).toThrow(
      'optimizer=rmsprop',
    );
    expect(() => parseVary([{ setting: 'lr', values: ' ' }])).toThrow('lr: no values given');
    expect(() => parseVary([{ setting: '', values: '1,2' }])).toThrow('have no setting name');
    expect(() => parseVary([{ setting: 'lrMilestones', values: '1' }])).toThrow(
      'not a setting a grid can vary',
    );
    expect(() =>
      parseVary([
        { setting: 'lr', values: '0.1' },
        { setting: 'lr', values: '0.2' },
      ]),
    ).toThrow('lr is listed twice');
    expect(() => parseVary([{ setting: 'seed', values: '1' }])).toThrow('Seeds field');
    expect(() => parseVary([{ setting: 'method', values: 'vanilla' }])).toThrow('methods');
    expect(() => parseVary([{ setting: 'lambda', values: '1' }])).toThrow('λ field');
  });
});

describe('planSweep', () => {
  it('expands methods × λ × seeds on top of the current settings', () => {
    const plan = planSweep(form(), base);
    if (!plan.ok) throw new Error(plan.error);
    expect(plan.runs.map((r) => r.coords)).toEqual([
      { method: 'vanilla', seed: 1 },
      { method: 'vanilla', seed: 2 },
      { method: 'itra-c', lambda: 0.8, seed: 1 },
      { method: 'itra-c', lambda: 0.8, seed: 2 },
    ]);
    for (const r of plan.runs) expect(r.config).toMatchObject({ dataset: 'kmnist', maxSteps: 8 });
    expect(plan.label).toBe('4 runs: vanilla, itra-c · λ 0.8 · seeds 1, 2');
    // Two groups of two seeds.
    expect(new Set(plan.runs.map((r) => r.groupKey)).size).toBe(2);
  });
  it('ignores the λ field when no matching method is ticked', () => {
    const plan = planSweep(form({ methods: ['vanilla', 'lsr'], lambdas: 'nonsense' }), base);
    expect(plan.ok && plan.runs.length).toBe(4);
  });
  it('crosses the other settings in', () => {
    const plan = planSweep(form({ vary: [{ setting: 'lr', values: '0.01,0.05' }] }), base);
    expect(plan.ok && plan.runs.length).toBe(8);
    expect(plan.ok && plan.label).toContain('lr 0.01, 0.05');
  });
  it('refuses an empty grid, bad λ, endless runs and huge grids before queueing', () => {
    expect(refusal({ methods: [] })).toContain('The grid is empty: no methods given');
    expect(refusal({ seeds: '' })).toContain('no seeds given');
    expect(refusal({ lambdas: '' })).toContain('lambda: no values given');
    expect(refusal({ lambdas: '0.8,-2' })).toContain('lambda=-2');
    expect(refusal({}, { ...base, maxSteps: 0 })).toContain('maxSteps=0');
    expect(refusal({ seeds: '1-100', vary: [{ setting: 'lr', values: '0.1,0.2,0.3' }] })).toContain(
      '600 runs',
    );
    expect(refusal({ vary: [{ setting: 'batchSize', values: '16,0' }] })).toContain('batchSize=0');
    expect(refusal({}, { ...base, lr: -1 })).toContain('The current settings are refused');
  });
});
