import { describe, expect, it } from 'vitest';
import { trainerFixture } from '../../test/trainerFixture';
import { type Checkpoint, CheckpointError, resumeSetup } from './checkpoint';
import { decodeCheckpointFile, encodeCheckpointFile } from './checkpointFile';
import type { LivePatch, TrainConfig } from './config';
import type { Point, RunRecord } from './runRecord';
import { TrainingSession } from './session';

// 120 images in batches of 16: each stream starts a new epoch every 7 steps.
const { data, env, base } = trainerFixture({ warmup: 3, maxSteps: 20 }, { train: 120, test: 100 });

interface Plan {
  config: TrainConfig;
  twinB?: Partial<TrainConfig>;
  /** Live changes applied once the session reaches the given step. */
  patches?: Array<{ at: number; patch: LivePatch; side?: 'A' | 'B' }>;
  /** Stop once this step is done (between eval steps if it is not a multiple of evalEvery). */
  stopAt?: number;
}

async function run(plan: Plan, resume?: Checkpoint) {
  const checkpoints: Checkpoint[] = [];
  const setup = resume ? resumeSetup(resume) : null;
  let s: TrainingSession | null = null;
  const hooks = () => {
    if (!s) return;
    for (const p of plan.patches ?? []) if (s.step === p.at) s.patch(p.patch, p.side);
    if (plan.stopAt !== undefined && s.step === plan.stopAt) s.stop();
  };
  s = new TrainingSession({
    runIds: setup?.runIds ?? (plan.twinB ? ['a', 'b'] : ['a']),
    names: setup?.names ?? (plan.twinB ? ['A', 'B'] : ['A']),
    config: setup?.config ?? plan.config,
    twinB: setup ? setup.twinB : plan.twinB,
    data,
    environment: env,
    yieldToHost: async () => hooks(),
    listener: {
      onCheckpoint: (c) => checkpoints.push(c),
      onCheckpointError: (e) => {
        throw e;
      },
      onPoint: () => hooks(),
    },
    resumeFrom: resume ? { checkpoint: resume, reason: 'test' } : undefined,
  });
  const records = await s.run();
  s.dispose();
  return { records, checkpoints };
}

const METRICS = ['intraDist', 'testAcc', 'testCE', 'trainCE', 'match', 'sigma', 'gini', 'kl'];

/** The largest |difference| between the points after `step` of two records (and same steps). */
function maxDiffAfter(a: RunRecord, b: RunRecord, step: number): number {
  const pa = a.points.filter((p) => p.step > step);
  const pb = b.points.filter((p) => p.step > step);
  expect(pb.map((p) => p.step)).toEqual(pa.map((p) => p.step));
  expect(pa.length).toBeGreaterThan(0);
  let max = 0;
  pa.forEach((p, i) => {
    const q = pb[i] as Point;
    for (const k of METRICS) {
      const x = p[k as keyof Point] as number | null;
      const y = q[k as keyof Point] as number | null;
      expect(y === null).toBe(x === null);
      if (x !== null && y !== null) max = Math.max(max, Math.abs(x - y));
    }
    expect([q.epoch, q.lr, q.lambdaEff, q.method]).toEqual([p.epoch, p.lr, p.lambdaEff, p.method]);
  });
  return max;
}

const at = (cks: Checkpoint[], step: number) => {
  const c = cks.find((k) => k.step === step);
  if (!c) throw new Error(`no checkpoint at step ${step}: ${cks.map((k) => k.step)}`);
  return c;
};

describe('resume from a checkpoint (wasm)', () => {
  it('SGD with momentum, weight decay, cosine lr, augmentation, label noise, a live λ change', async () => {
    const plan: Plan = {
      config: {
        ...base,
        weightDecay: 1e-3,
        lrSchedule: 'cosine',
        augment: true,
        cropPadding: 2,
        labelNoise: 0.2,
      },
      patches: [{ at: 7, patch: { lambda: 0.3, lr: 0.02 } }],
    };
    const full = await run(plan);
    // Checkpoints at every eval step: 5, 10, 15, 20.
    expect(full.checkpoints.map((c) => c.step)).toEqual([5, 10, 15, 20]);
    const ckpt = at(full.checkpoints, 10);
    // The live change of step 7 is in the checkpoint's settings, not re-applied.
    expect(ckpt.sides[0].scalars.config.lambda).toBe(0.3);
    const resumed = await run({ config: plan.config }, ckpt);
    const [a] = full.records;
    const [b] = resumed.records;
    const diff = maxDiffAfter(a, b, 10);
    console.log(`resume at step 10 (SGD, wasm): max |Δ| after it = ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-6);
    // The points before the checkpoint are the record's, and the resume is an event.
    expect(b.points.filter((p) => p.step <= 10)).toEqual(a.points.filter((p) => p.step <= 10));
    expect(b.events.filter((e) => e.kind === 'resumed')).toEqual([
      expect.objectContaining({ kind: 'resumed', step: 10 }),
    ]);
    expect(b.status).toBe('completed');
    expect(b.steps).toBe(20);
  });

  it('Adam and center loss in a twin pair, stopped between eval steps (step 7)', async () => {
    const plan: Plan = {
      config: { ...base, optimizer: 'adam', lr: 0.002, method: 'center' },
      twinB: { method: 'itra-c' },
      stopAt: 7,
    };
    const full = await run({ ...plan, stopAt: undefined });
    const stopped = await run(plan);
    expect(stopped.records.map((r) => r.status)).toEqual(['stopped', 'stopped']);
    const last = stopped.checkpoints.at(-1) as Checkpoint;
    expect(last.step).toBe(7);
    // Adam's step counter and the centers travel with the checkpoint.
    expect(last.sides[0].scalars.stepsSinceEval).toBe(2);
    const resumed = await run({ config: plan.config }, last);
    for (let i = 0; i < 2; i++) {
      const diff = maxDiffAfter(full.records[i], resumed.records[i], 7);
      console.log(`resume at step 7 (Adam, twin ${i ? 'B' : 'A'}, wasm): max |Δ| = ${diff}`);
      expect(diff).toBeLessThanOrEqual(1e-6);
    }
    expect(resumed.records[1].config.method).toBe('itra-c');
    expect(resumed.records[1].twin?.side).toBe('B');
  });

  it('a checkpoint file round-trips bit for bit and resumes the same', async () => {
    const full = await run({ config: base });
    const ckpt = at(full.checkpoints, 5);
    const text = JSON.stringify(encodeCheckpointFile(ckpt));
    const back = decodeCheckpointFile(JSON.parse(text));
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(ckpt.values.buffer))).toBe(true);
    expect({ ...back, values: null }).toEqual({ ...ckpt, values: null });
    const resumed = await run({ config: base }, back);
    expect(maxDiffAfter(full.records[0], resumed.records[0], 5)).toBeLessThanOrEqual(1e-6);
  });

  it('refuses a damaged checkpoint, another model, other data, a bad file', async () => {
    const { checkpoints } = await run({ config: { ...base, maxSteps: 5 } });
    const ckpt = checkpoints[0];
    const damaged = { ...ckpt, values: ckpt.values.subarray(0, ckpt.values.length - 1) };
    await expect(run({ config: base }, damaged)).rejects.toThrow(/damaged/);
    const small = structuredClone(ckpt);
    small.sides[0].record.config.model = 'small';
    await expect(run({ config: base }, small)).rejects.toThrow(CheckpointError);
    const other = structuredClone(ckpt);
    other.sides[0].record.data.trainSize = 60_000;
    await expect(run({ config: base }, other)).rejects.toThrow(/same dataset/);
    const file = encodeCheckpointFile(ckpt);
    expect(() => decodeCheckpointFile({ ...file, values: 'not base64!' })).toThrow(CheckpointError);
    expect(() => decodeCheckpointFile({ kind: 'something else' })).toThrow(/not a checkpoint/i);
  });
});
