/**
 * What the feature views draw at a step, chosen from the run records (no maths beyond picking
 * and grouping): the frame and the point at the slider's step, the steps the slider offers,
 * the mistakes grouped by true class, and B − A per class.
 */
import { frameAt } from '../../engine/features/frames';
import type { EmbeddingFrame, Point, RunRecord } from '../../engine/runRecord';

/** The eval steps with a PCA frame, across the runs shown (ascending, unique). */
export function frameSteps(records: readonly RunRecord[]): number[] {
  const steps = new Set<number>();
  for (const r of records)
    for (const f of r.embeddings ?? []) if (f.method === 'pca') steps.add(f.step);
  return [...steps].sort((a, b) => a - b);
}

/** The frame of `method` at `step` (or the latest before it). */
export function frameFor(
  record: RunRecord,
  step: number,
  method: 'pca' | 'umap',
  extra: readonly EmbeddingFrame[] = [],
): EmbeddingFrame | null {
  const all = [...(record.embeddings ?? []), ...extra].filter((f) => f.method === method);
  return method === 'pca' ? frameAt(all, step) : (all.find((f) => f.step === step) ?? null);
}

/** The point at `step` (or the latest before it) that carries the views. */
export function pointAt(record: RunRecord, step: number): Point | null {
  let best: Point | null = null;
  for (const p of record.points) if (p.step <= step && p.confusion) best = p;
  return best;
}

export interface Mistake {
  /** Position in the embedding subset (its image). */
  index: number;
  truth: number;
  pred: number;
}

/** The subset's misclassified images at a frame, grouped by true class (at most `perClass` each). */
export function mistakesByClass(
  labels: readonly number[],
  frame: EmbeddingFrame,
  numClasses: number,
  perClass = 12,
): { groups: Mistake[][]; total: number } {
  const groups: Mistake[][] = Array.from({ length: numClasses }, () => []);
  let total = 0;
  frame.pred.forEach((pred, index) => {
    const truth = labels[index]!;
    if (pred === truth) return;
    total++;
    const g = groups[truth];
    if (g && g.length < perClass) g.push({ index, truth, pred });
  });
  return { groups, total };
}

/** B − A per class (null where either side has no value). */
export function classDiff(
  a: ReadonlyArray<number | null> | undefined,
  b: ReadonlyArray<number | null> | undefined,
): Array<number | null> {
  if (!a || !b) return [];
  return a.map((x, k) => (x === null || b[k] === null || b[k] === undefined ? null : b[k]! - x));
}

/** Why a diverged run's frame is its last (the slider offers only steps with frames), or ''. */
export function divergedNote(record: RunRecord, frame: EmbeddingFrame): string {
  if (record.status !== 'diverged') return '';
  const last = (record.embeddings ?? []).filter((f) => f.method === frame.method).at(-1);
  return last && last.step === frame.step
    ? ' (the run diverged after this step: its last frame)'
    : '';
}

/** Why a run without an embedding has none: recorded before the views, views off, or not yet. */
export function noEmbeddingReason(r: RunRecord | undefined): string {
  if (!r) return '';
  if (r.migratedFrom !== undefined && r.migratedFrom < 3)
    return `: this run was recorded (version-${r.migratedFrom} file) before the app had feature views.`;
  if (r.config.embedSize === 0) return ': this run had the feature views off (embedding subset 0).';
  return ' yet.';
}
