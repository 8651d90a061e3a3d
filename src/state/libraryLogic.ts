/** Pure parts of the runs library: import planning, validation of stored runs, colours, file names. */
import { migrateRecord } from '../engine/runMigration';
import { parseRunFile, type RunRecord, runRecordSchema } from '../engine/runRecord';

export interface LibraryEntry {
  id: string;
  record: RunRecord;
  hidden: boolean;
  color: string;
  /** ms since epoch when it entered the library; orders the list. */
  addedAt: number;
}

/** Distinct on white, colour-blind-friendlier order (Okabe-Ito first, then Tableau). */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#d55e00',
  '#cc79a7',
  '#56b4e9',
  '#8c564b',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
] as const;

/** Picks `count` colours, preferring ones no visible run uses. */
export function pickColors(used: readonly string[], count: number): string[] {
  const taken = new Set(used);
  const out: string[] = [];
  for (const c of PALETTE) {
    if (out.length === count) break;
    if (!taken.has(c)) out.push(c);
  }
  let i = used.length;
  while (out.length < count) out.push(PALETTE[i++ % PALETTE.length]);
  return out;
}

export interface ImportPlan {
  add: RunRecord[];
  /** Runs whose id is already in the library (re-importing an export adds nothing twice). */
  skipped: number;
  /** Runs exported while training: no worker trains them here, so they are marked stopped. */
  interrupted: number;
}

/** Validates a file's text; throws RunFileError (and plans nothing) if any run is invalid. */
export function planImport(text: string, existingIds: ReadonlySet<string>): ImportPlan {
  return planImportRuns(parseRunFile(text), existingIds);
}

/** The plan for runs already parsed and validated (parseRunFile, in the import worker). */
export function planImportRuns(
  runs: readonly RunRecord[],
  existingIds: ReadonlySet<string>,
): ImportPlan {
  const add: RunRecord[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  let interrupted = 0;
  for (const r of runs) {
    if (existingIds.has(r.id) || seen.has(r.id)) skipped++;
    else {
      seen.add(r.id);
      const live = r.status === 'running' || r.status === 'paused';
      if (live) interrupted++;
      add.push(live ? { ...r, status: 'stopped' } : r);
    }
  }
  return { add, skipped, interrupted };
}

export function importMessage(plan: ImportPlan, fileName: string): string {
  const n = plan.add.length;
  const runs = (k: number) => `${k} run${k === 1 ? '' : 's'}`;
  if (n === 0 && plan.skipped > 0) {
    return `${fileName}: nothing new — ${runs(plan.skipped)} already in the library.`;
  }
  const skipped = plan.skipped ? ` (${runs(plan.skipped)} already in the library skipped)` : '';
  const k = plan.interrupted;
  const stopped = k
    ? ` ${runs(k)} ${k === 1 ? 'was' : 'were'} exported while training and ${k === 1 ? 'is' : 'are'} marked stopped.`
    : '';
  return `Imported ${runs(n)} from ${fileName}${skipped}.${stopped}`;
}

/**
 * A stored run as the current schema has it: one saved before the schema's version 2 is
 * migrated (so it exports as a valid file), and one stored while training can't still be
 * running after a reload: the worker is gone.
 */
export function normalizeLoaded(stored: LibraryEntry): LibraryEntry {
  const record = migrateRecord(stored.record) as RunRecord;
  const e = record === stored.record ? stored : { ...stored, record };
  if (e.record.status === 'running' || e.record.status === 'paused') {
    return { ...e, record: { ...e.record, status: 'stopped' } };
  }
  return e;
}

/** A stored run that does not pass the schema even after migration: listed, never rendered. */
export interface Quarantined {
  id: string;
  /** Its name where one could be read, else its id. */
  name: string;
  /** The first schema complaints. */
  why: string;
  /** What was stored, as it was (for "Export it"). */
  raw: unknown;
}

export type StoredRead = { ok: true; entry: LibraryEntry } | { ok: false; bad: Quarantined };

/**
 * Migrates and validates one stored run (meta: the user's fields as stored, maybe damaged).
 * `live`: another tab is training it now, so a 'running' status is true (not left from a reload).
 */
export function readStored(
  id: string,
  meta: { hidden?: unknown; color?: unknown; addedAt?: unknown } | undefined,
  raw: unknown,
  live = false,
): StoredRead {
  const res = runRecordSchema.safeParse(migrateRecord(raw));
  if (!res.success || res.data.id !== id) {
    const why = res.success
      ? `its id ${res.data.id} is not the id it is stored under`
      : res.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
          .join('; ');
    const name = (raw as { name?: unknown } | null)?.name;
    return { ok: false, bad: { id, name: typeof name === 'string' ? name : id, why, raw } };
  }
  const entry: LibraryEntry = {
    id,
    record: res.data,
    hidden: meta?.hidden === true,
    color: typeof meta?.color === 'string' && meta.color ? meta.color : PALETTE[0],
    addedAt: typeof meta?.addedAt === 'number' ? meta.addedAt : 0,
  };
  return { ok: true, entry: live ? entry : normalizeLoaded(entry) };
}

/** File-system-safe slug for export names. */
export function slug(s: string): string {
  return (
    s
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'run'
  );
}

export function runFileName(r: RunRecord): string {
  return `itra-run-${slug(r.name)}-${r.id.slice(0, 8)}.json`;
}

export function bundleFileName(date = new Date()): string {
  return `itra-runs-${date.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`;
}
