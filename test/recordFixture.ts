/**
 * Run records and their points for tests (unit tests and e2e specs): one literal of each,
 * the test overriding what it looks at.
 */
import { DEFAULT_CONFIG } from '../src/engine/config';
import {
  type Point,
  RUN_SCHEMA_ID,
  RUN_SCHEMA_VERSION,
  type RunRecord,
} from '../src/engine/runRecord';

/** An ITRA-c point with every metric filled in (σ 2, λ_eff 0.6, 100 samples/s). */
export function fixturePoint(step: number, over: Partial<Point> = {}): Point {
  return {
    step,
    epoch: step / 100,
    intraDist: 0.5,
    testAcc: 0.8,
    testCE: 0.4,
    trainCE: 0.5,
    match: 0.1,
    gini: null,
    kl: null,
    lr: 0.01,
    sigma: 2,
    lambdaEff: 0.6,
    method: 'itra-c',
    samplesPerSec: 100,
    wallMs: step * 10,
    ...over,
  };
}

/** A vanilla point with no metric at all (the chart tests set the ones they draw). */
export function emptyPoint(step: number, over: Partial<Point> = {}): Point {
  return {
    step,
    epoch: step / 100,
    intraDist: null,
    testAcc: null,
    testCE: null,
    trainCE: null,
    match: null,
    gini: null,
    kl: null,
    lr: null,
    sigma: null,
    lambdaEff: 0,
    method: 'vanilla',
    samplesPerSec: null,
    wallMs: 0,
    ...over,
  };
}

/** A completed run of the default config on a 100/20 split, no points, warm-up ended at 5. */
export function fixtureRun(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: RUN_SCHEMA_ID,
    version: RUN_SCHEMA_VERSION,
    id,
    name: `run ${id}`,
    createdAt: '2024-01-01T00:00:00.000Z',
    config: DEFAULT_CONFIG,
    data: { trainSize: 100, testSize: 20, evalSize: 20, split: 'official' },
    environment: { backend: 'cpu', runtime: 'test', tfjsVersion: '4.22.0' },
    status: 'completed',
    steps: 0,
    points: [],
    events: [{ kind: 'warmup-end', step: 5 }],
    ...over,
  };
}

/** A vanilla point: accuracy 0.5, cross-entropy 1, no matching terms, `wallMs` = step. */
export function vanillaPoint(step: number, over: Partial<Point> = {}): Point {
  return {
    step,
    epoch: step / 100,
    intraDist: 0.5,
    testAcc: 0.5,
    testCE: 1,
    trainCE: 1,
    match: null,
    sigma: null,
    gini: null,
    kl: null,
    lr: 0.01,
    lambdaEff: 0,
    method: 'vanilla',
    samplesPerSec: null,
    wallMs: step,
    ...over,
  };
}

/** A run as the worker announces it when it starts: running, no points, a one-image split. */
export function liveRun(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return fixtureRun(id, {
    name: id,
    createdAt: '',
    data: { trainSize: 1, testSize: 1, evalSize: 1, split: 'official' },
    environment: { backend: 'cpu', runtime: 'test', tfjsVersion: 'test' },
    status: 'running',
    events: [],
    ...over,
  });
}
