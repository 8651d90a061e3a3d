/** Grid expansion: λ only where it applies, groups by everything but the seed, clear refusals. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../engine/config';
import { expandGrid, GridError, type GridSpec, parseSettingList, settingKey } from './grid';

const base = { ...DEFAULT_CONFIG, model: 'tiny' as const, maxSteps: 100 };
const spec = (over: Partial<GridSpec> = {}): GridSpec => ({
  base,
  methods: ['vanilla', 'itra-c'],
  lambdas: [0.4, 0.8],
  seeds: [1, 2, 3],
  vary: {},
  ...over,
});

describe('expandGrid', () => {
  it('methods × λ (matching methods only) × seeds', () => {
    const runs = expandGrid(spec());
    expect(runs).toHaveLength(3 + 2 * 3);
    expect(
      runs.filter((r) => r.coords.method === 'vanilla').every((r) => !('lambda' in r.coords)),
    ).toBe(true);
    expect(runs.map((r) => r.config.seed)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(runs.filter((r) => r.config.method === 'itra-c').map((r) => r.config.lambda)).toEqual([
      0.4, 0.4, 0.4, 0.8, 0.8, 0.8,
    ]);
  });

  it('groups runs that differ only by seed; keys are unique per whole config', () => {
    const runs = expandGrid(spec({ vary: { lr: [0.01, 0.05] } }));
    expect(runs).toHaveLength((1 + 2) * 2 * 3);
    const groups = new Set(runs.map((r) => r.groupKey));
    expect(groups.size).toBe((1 + 2) * 2);
    expect(new Set(runs.map((r) => r.key)).size).toBe(runs.length);
    // Another base setting (steps) gives other keys, so a resumed folder does not reuse runs.
    const longer = expandGrid(spec({ base: { ...base, maxSteps: 200 } }));
    expect(longer[0]!.key).not.toBe(expandGrid(spec())[0]!.key);
    expect(longer[0]!.groupKey).toBe(expandGrid(spec())[0]!.groupKey);
    // Other data (a carved split of the same files) too.
    expect(expandGrid(spec({ dataNote: 'carved' }))[0]!.key).not.toBe(expandGrid(spec())[0]!.key);
  });

  const refusals: Array<[string, Partial<GridSpec>, RegExp]> = [
    ['no methods', { methods: [] }, /grid is empty: no methods/],
    ['no seeds', { seeds: [] }, /grid is empty: no seeds/],
    ['ITRA without λ', { lambdas: [] }, /ITRA methods need at least one λ/],
    ['an unknown method', { methods: ['vanilla', 'mixup' as never] }, /method=mixup: not a method/],
    ['a λ the schema refuses', { lambdas: [0.4, -1] }, /itra-c λ-1 seed 1: .*λ must be ≥ 0/],
    [
      'a setting a grid cannot vary',
      { vary: { lrMilestones: [1] } },
      /lrMilestones: not a setting a grid can vary/,
    ],
  ];
  for (const [what, over, message] of refusals) {
    it(`refuses ${what}, naming it`, () => {
      expect(() => expandGrid(spec(over))).toThrow(GridError);
      expect(() => expandGrid(spec(over))).toThrow(message);
    });
  }
});

describe('settings on the command line', () => {
  it('finds settings by kebab-case or camelCase name', () => {
    expect(settingKey('weight-decay')).toBe('weightDecay');
    expect(settingKey('lr')).toBe('lr');
    expect(settingKey('evalEvery')).toBe('evalEvery');
    expect(settingKey('learning-rate')).toBeNull();
  });

  it('parses lists by the setting’s type and refuses a bad value, naming it', () => {
    expect(parseSettingList('lr', '0.01, 0.05')).toEqual([0.01, 0.05]);
    expect(parseSettingList('augment', 'on,off')).toEqual([true, false]);
    expect(parseSettingList('optimizer', 'sgd,adam')).toEqual(['sgd', 'adam']);
    expect(() => parseSettingList('lr', '0.01,-0.1')).toThrow(/lr=-0.1: learning rate must be > 0/);
    expect(() => parseSettingList('lr', '0.01,fast')).toThrow(/lr=fast: not a number/);
    expect(() => parseSettingList('optimizer', 'sgd,lion')).toThrow(/optimizer=lion/);
    expect(() => parseSettingList('lr', ',')).toThrow(/lr: no values given/);
  });
});
