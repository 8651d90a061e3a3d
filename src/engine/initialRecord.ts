/** A new run's record: its settings, data, environment, and empty points and events. */
import type { TrainConfig } from './config';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type RunRecord } from './runRecord';
import type { TrainerOptions } from './trainer';

export function initialRecord(opts: TrainerOptions, cfg: TrainConfig): RunRecord {
  const { train, test } = opts.data;
  return {
    schema: RUN_SCHEMA_ID,
    version: RUN_SCHEMA_VERSION,
    id: opts.runId,
    name: opts.name,
    createdAt: new Date().toISOString(),
    config: { ...cfg },
    data: {
      trainSize: train.count,
      testSize: test.count,
      evalSize: opts.evalSet.size,
      split: opts.data.split,
      splitNote: opts.data.splitNote,
      ...(opts.corruptedLabels ? { corruptedLabels: opts.corruptedLabels } : {}),
    },
    environment: opts.environment,
    twin: opts.twin,
    ...(opts.sweep ? { sweep: opts.sweep } : {}),
    status: 'running',
    steps: 0,
    points: [],
    events: [],
    ...(opts.embedSet
      ? {
          embedSubset: {
            indices: Array.from(opts.embedSet.indices),
            labels: Array.from(opts.embedSet.labels),
          },
          embeddings: [],
        }
      : {}),
  };
}
