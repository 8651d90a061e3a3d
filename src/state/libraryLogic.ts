/** Pure parts of the runs library: import planning, colours, file names. */
import { migrateRecord } from '../engine/runMigration';
import { parseRunFile, type RunRecord } from '../engine/runRecord';

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
}

/** Validates a file's text; throws RunFileError (and plans nothing) if any run is invalid. */
export function planImport(text: string, existingIds: ReadonlySet<string>): ImportPlan {
  const runs = parseRunFile(text);
  const add: RunRecord[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const r of runs) {
    if (existingIds.has(r.id) || seen.has(r.id)) skipped++;
    else {
      seen.add(r.id);
      add.push(r);
    }
  }
  return { add, skipped };
}

export function importMessage(plan: ImportPlan, fileName: string): string {
  const n = plan.add.length;
  const runs = (k: number) => `${k} run${k === 1 ? '' : 's'}`;
  if (n === 0 && plan.skipped > 0) {
    return `${fileName}: nothing new — ${runs(plan.skipped)} already in the library.`;
  }
  const skipped = plan.skipped ? ` (${runs(plan.skipped)} already in the library skipped)` : '';
  return `Imported ${runs(n)} from ${fileName}${skipped}.`;
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
