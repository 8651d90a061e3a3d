/**
 * One worker process of `npm run reproduce`: trains the runs its parent sends, one at a time,
 * on the same engine as `npm run train` (Node, wasm), and writes each finished record
 * atomically (a temporary file renamed into place), so a killed run leaves no record behind
 * and is run again from the start next time.
 */
import { renameSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetId, DatasetSplits } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { setupNodeBackend } from '../src/engine/nodeBackend';
import { TrainingSession } from '../src/engine/session';
import type { GridRun } from '../src/reproduce/grid';

export interface JobRequest {
  type: 'run';
  run: GridRun;
  file: string;
  dataDir: string;
  carve: boolean;
  sweepId: string;
  name: string;
}

export type JobMessage =
  | { type: 'ready' }
  | { type: 'progress'; key: string; step: number; total: number }
  | { type: 'done'; key: string; status: string; testAcc: number | null }
  | { type: 'failed'; key: string; message: string };

const send = (m: JobMessage) => process.send?.(m);

let backend: string | null = null;
const datasets = new Map<string, DatasetSplits>();

async function load(id: DatasetId, dir: string, carve: boolean): Promise<DatasetSplits> {
  const key = `${id}|${dir}|${carve}`;
  let d = datasets.get(key);
  if (!d) {
    const files = await readDatasetDir(id, dir);
    d = await parseDatasetFiles({ id, files, carve });
    datasets.set(key, d);
  }
  return d;
}

async function runOne(req: JobRequest): Promise<void> {
  backend ??= await setupNodeBackend('wasm');
  const { run } = req;
  const data = await load(run.config.dataset, req.dataDir, req.carve);
  const session = new TrainingSession({
    runIds: [run.key],
    names: [req.name],
    config: run.config,
    data,
    environment: { backend, runtime: `node ${process.version}`, tfjsVersion: tf.version_core },
    sweeps: [{ id: req.sweepId, coords: run.coords }],
    yieldToHost: () => new Promise((r) => setImmediate(r)),
  });
  let lastSent = 0;
  const progress = setInterval(() => {
    if (session.step !== lastSent) {
      lastSent = session.step;
      send({ type: 'progress', key: run.key, step: session.step, total: run.config.maxSteps });
    }
  }, 500);
  try {
    const [record] = await session.run();
    const tmp = `${req.file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(record)}\n`);
    renameSync(tmp, req.file);
    send({
      type: 'done',
      key: run.key,
      status: record!.status,
      testAcc: record!.points.at(-1)?.testAcc ?? null,
    });
  } finally {
    clearInterval(progress);
    session.dispose();
  }
}

process.on('message', (req: JobRequest) => {
  runOne(req).catch((e: Error) => {
    send({ type: 'failed', key: req.run.key, message: e.message });
  });
});
// The parent is gone (killed or stopped): stop too; the run in progress leaves no record.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
