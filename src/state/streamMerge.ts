/**
 * Pure updates of streamed run records. streamFlush.ts queues worker messages and applies
 * them here in one batch per flush, so React sees at most two updates a second.
 */
import { addFrame } from '../engine/features/frames';
import type { Point, RunEvent, RunRecord, RunStatus } from '../engine/runRecord';
import type { FromWorker } from '../protocol';
import type { SessionPhase } from './trainingStore';

/** The worker's messages that extend the records of the runs in progress. */
export type StreamMessage = Extract<FromWorker, { type: 'points' | 'events' | 'status' }>;

/** Appends points in step order; a resend from an earlier step (e.g. after a device-loss restore) replaces the tail. */
export function mergePoints(existing: readonly Point[], incoming: readonly Point[]): Point[] {
  if (incoming.length === 0) return existing as Point[];
  const sorted = [...incoming].sort((a, b) => a.step - b.step);
  const first = sorted[0].step;
  let keep = existing.length;
  while (keep > 0 && existing[keep - 1].step >= first) keep--;
  return existing.slice(0, keep).concat(sorted);
}

const eventKey = (e: RunEvent) => JSON.stringify(e);

export function mergeEvents(
  existing: readonly RunEvent[],
  incoming: readonly RunEvent[],
): RunEvent[] {
  if (incoming.length === 0) return existing as RunEvent[];
  const seen = new Set(existing.map(eventKey));
  const out = existing.slice();
  for (const e of incoming) {
    const k = eventKey(e);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}

/** Applies a batch; returns the same object when nothing changed. Unknown run ids are ignored. */
export function applyStream(
  runs: Readonly<Record<string, RunRecord>>,
  msgs: readonly StreamMessage[],
): Record<string, RunRecord> {
  let out: Record<string, RunRecord> | null = null;
  for (const m of msgs) {
    const cur = (out ?? runs)[m.runId];
    if (!cur) continue;
    let next: RunRecord;
    if (m.type === 'points') {
      const points = mergePoints(cur.points, m.points);
      const lastStep = points.length ? points[points.length - 1].step : cur.steps;
      next = { ...cur, points, steps: Math.max(cur.steps, lastStep) };
      if (m.frame) next.embeddings = addFrame(cur.embeddings ?? [], m.frame);
    } else if (m.type === 'events') {
      next = { ...cur, events: mergeEvents(cur.events, m.events) };
    } else {
      next = { ...cur, status: m.status, steps: Math.max(0, m.step) };
    }
    out ??= { ...runs };
    out[m.runId] = next;
  }
  return out ?? (runs as Record<string, RunRecord>);
}

/** The session's phase from its runs' statuses (twins may differ for a moment). */
export function phaseFromStatuses(statuses: readonly RunStatus[]): SessionPhase {
  if (statuses.length === 0) return 'idle';
  if (statuses.some((s) => s === 'running')) return 'running';
  if (statuses.some((s) => s === 'paused')) return 'paused';
  return 'finished';
}
