/**
 * The charts on screen, each able to give its image and its data: "Download all charts"
 * collects them into one zip (an SVG and a PNG per chart, and one CSV of every curve).
 */
import { downloadBlob } from '../state/download';
import { type CsvLine, chartsCsv, fileSlug } from './chartCsv';
import { type ChartImage, svgToPng } from './chartExport';

export interface ChartExporter {
  /** Its <figure>: orders the zip as the page reads, and leaves out hidden (warm-up) charts. */
  figure(): HTMLElement | null;
  title: string;
  metric: string;
  /** All runs drawn, or only run `runId`'s lines. */
  image(runId?: string): ChartImage;
  csvLines(runId?: string): CsvLine[];
}

const charts = new Set<ChartExporter>();

/** Registers a mounted chart; returns its unregister. */
export function registerChart(exporter: ChartExporter): () => void {
  charts.add(exporter);
  return () => charts.delete(exporter);
}

/** The charts a user sees, in reading order. */
export function shownCharts(): ChartExporter[] {
  const shown = [...charts].filter((c) => {
    const f = c.figure();
    return f?.isConnected && f.getClientRects().length > 0 && !f.closest('[aria-hidden="true"]');
  });
  return shown.sort((a, b) =>
    a.figure()!.compareDocumentPosition(b.figure()!) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1,
  );
}

/** Every chart on screen; with `runId`, that run's lines only. */
export async function downloadAllCharts(
  fileName = 'itra-charts.zip',
  runId?: string,
): Promise<void> {
  const { zipSync, strToU8 } = await import('fflate');
  const files: Record<string, Uint8Array> = {};
  const csv: { metric: string; lines: CsvLine[] }[] = [];
  for (const c of shownCharts()) {
    const slug = fileSlug(c.title);
    const image = c.image(runId);
    files[`${slug}.svg`] = strToU8(image.svg);
    files[`${slug}.png`] = new Uint8Array(await (await svgToPng(image)).arrayBuffer());
    csv.push({ metric: c.metric, lines: c.csvLines(runId) });
  }
  files['curves.csv'] = strToU8(chartsCsv(csv));
  // PNGs are compressed already: store, do not deflate again.
  const zip = zipSync(files, { level: 0 });
  downloadBlob(fileName, new Blob([zip as BlobPart], { type: 'application/zip' }));
}
