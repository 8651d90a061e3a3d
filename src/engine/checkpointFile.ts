/**
 * A checkpoint as JSON: the CLI's `--checkpoint` / `--resume` files and the `checkpoint` field
 * of an "Export with weights" bundle. The tensors are one base64 string of little-endian
 * float32 (the byte order of every platform tfjs runs on); everything is validated on the way
 * in, so a damaged or foreign file is refused with a message rather than resumed wrongly.
 */
import { z } from 'zod';
import {
  CHECKPOINT_KIND,
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  splitValues,
} from './checkpoint';
import { trainConfigSchema } from './config';
import { migrateRecord } from './runMigration';
import { runRecordSchema } from './runRecord';

const uint = z.number().int().min(0);
const position = z.object({ permRng: uint, pos: uint });

const checkpointFileSchema = z.object({
  kind: z.literal(CHECKPOINT_KIND),
  version: z.literal(CHECKPOINT_VERSION),
  id: z.string().min(1),
  runIds: z.array(z.string().min(1)).min(1).max(2),
  step: uint,
  createdAt: z.string(),
  backend: z.string(),
  wallMs: z.number().min(0),
  sampler: z.object({ s1: position, s2: position, aug1: uint, aug2: uint, drawn: uint }),
  sides: z
    .array(
      z.object({
        scalars: z.object({
          config: trainConfigSchema,
          step: uint,
          stepsSinceEval: uint,
          collapseReported: z.boolean(),
          warmupReported: z.boolean(),
          active: z.boolean(),
        }),
        record: z.preprocess(migrateRecord, runRecordSchema),
        sizes: z.array(uint),
      }),
    )
    .min(1)
    .max(2),
  /** base64 of the float32 values. */
  values: z.string(),
});
export type CheckpointFile = z.infer<typeof checkpointFileSchema>;

const CHUNK = 0x8000;

function toBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(bin);
}

function fromBase64(text: string): Float32Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new CheckpointError('The checkpoint is damaged: its values are not base64');
  }
  const bin = atob(text);
  if (bin.length % 4 !== 0) {
    throw new CheckpointError(`The checkpoint is damaged: ${bin.length} bytes is not whole floats`);
  }
  const out = new Float32Array(bin.length / 4);
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return out;
}

export function encodeCheckpointFile(ckpt: Checkpoint): CheckpointFile {
  return { ...ckpt, values: toBase64(ckpt.values) };
}

/** Validates a parsed JSON value as a checkpoint; throws CheckpointError saying what is wrong. */
export function decodeCheckpointFile(data: unknown): Checkpoint {
  if ((data as { kind?: unknown } | null)?.kind !== CHECKPOINT_KIND) {
    throw new CheckpointError(`Not a checkpoint: expected "kind": "${CHECKPOINT_KIND}"`);
  }
  const res = checkpointFileSchema.safeParse(data);
  if (!res.success) {
    const first = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new CheckpointError(`Invalid checkpoint: ${first.join('; ')}`);
  }
  const f = res.data;
  if (f.sides.length !== f.runIds.length || f.sides.some((s, i) => s.record.id !== f.runIds[i])) {
    throw new CheckpointError('Invalid checkpoint: its runs do not match its run ids');
  }
  const ckpt: Checkpoint = { ...f, kind: CHECKPOINT_KIND, values: fromBase64(f.values) };
  splitValues(ckpt); // the sizes must add up
  return ckpt;
}

/** What an imported run file carries besides its runs: an "Export with weights" checkpoint. */
export interface BundledWeights {
  checkpoint?: Checkpoint;
  /** Why its checkpoint could not be read (the runs are imported anyway). */
  checkpointProblem?: string;
}

/** A run file's `checkpoint` field, decoded; a damaged one is reported, not thrown. */
export function bundledWeights(raw: unknown): BundledWeights {
  if (raw === undefined) return {};
  try {
    return { checkpoint: decodeCheckpointFile(raw) };
  } catch (e) {
    return { checkpointProblem: (e as Error).message };
  }
}
