/**
 * A chart's data as CSV, as drawn: one row per run and step (the smoothed value the line
 * shows, and the raw value when smoothing is on). Pure: unit-tested in Node.
 */
import type { PreparedSeries } from './chartData';

export interface CsvLine {
  /** Run name (or seed group's name) as the legend shows it. */
  name: string;
  id: string;
  series: PreparedSeries;
}

export const CSV_HEADER = ['metric', 'run', 'run_id', 'step', 'epoch', 'value', 'raw'] as const;

/** RFC 4180 quoting where a field needs it. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows of one chart (no header). */
export function chartCsvRows(metric: string, lines: readonly CsvLine[]): string[] {
  const out: string[] = [];
  for (const { name, id, series } of lines) {
    const raw = new Map(series.raw.map((p) => [p.step, p.value]));
    for (const p of series.main) {
      const r = raw.get(p.step);
      out.push(
        [metric, name, id, p.step, p.epoch, p.value, r ?? '']
          .map((v) => csvField(v as string | number))
          .join(','),
      );
    }
  }
  return out;
}

/** One chart, or several (the "Download all charts" file), with the header. */
export function chartsCsv(
  charts: readonly { metric: string; lines: readonly CsvLine[] }[],
): string {
  const rows = charts.flatMap((c) => chartCsvRows(c.metric, c.lines));
  return `${[CSV_HEADER.join(','), ...rows].join('\n')}\n`;
}

/** A file name from a title: "Test cross-entropy" → "test-cross-entropy". */
export function fileSlug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/σ/g, 'sigma')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return s || 'chart';
}
