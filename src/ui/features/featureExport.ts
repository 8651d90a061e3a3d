/**
 * The feature views as files: CSV of the values shown, and standalone SVGs (the theme's
 * colours passed in resolved, since CSS variables do not travel). Pure: unit-tested in Node.
 */
import type { EmbeddingFrame, EmbedSubset } from '../../engine/runRecord';
import { csvField } from '../chartCsv';
import { classColor, classMarker, markerSvg } from './classStyle';

export interface Theme {
  text: string;
  muted: string;
  bg: string;
  grid: string;
}

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const csv = (rows: Array<Array<string | number>>) =>
  `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;

/** One row per point: its place in the subset, its test-split index, labels and coordinates. */
export function scatterCsv(
  run: string,
  frame: EmbeddingFrame,
  subset: EmbedSubset | undefined,
  classNames: readonly string[],
): string {
  const rows: Array<Array<string | number>> = [
    ['run', 'step', 'method', 'point', 'test_index', 'true', 'predicted', 'x', 'y'],
  ];
  frame.pred.forEach((p, i) => {
    const t = subset?.labels[i];
    rows.push([
      run,
      frame.step,
      frame.method,
      i,
      subset?.indices[i] ?? '',
      t === undefined ? '' : (classNames[t] ?? t),
      classNames[p] ?? p,
      frame.xy[2 * i]!,
      frame.xy[2 * i + 1]!,
    ]);
  });
  return csv(rows);
}

/** Screen positions of a frame fitted into a size × size square (same scale on both axes). */
export function fitFrame(xy: readonly number[], size: number, pad = 10): Float32Array {
  const n = xy.length / 2;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i]!;
    const y = xy[2 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const k = (size - 2 * pad) / span;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = size / 2 + (xy[2 * i]! - cx) * k;
    out[2 * i + 1] = size / 2 - (xy[2 * i + 1]! - cy) * k;
  }
  return out;
}

function legendSvg(classNames: readonly string[], top: number, width: number, t: Theme) {
  const perRow = Math.max(1, Math.floor(width / 110));
  const body = classNames
    .map((name, k) => {
      const x = 10 + (k % perRow) * 110;
      const y = top + 10 + Math.floor(k / perRow) * 16;
      return `${markerSvg(classMarker(k), x + 5, y, 4, classColor(k))}<text x="${x + 14}" y="${y + 4}" font-size="11" fill="${t.muted}">${esc(name.length > 14 ? `${name.slice(0, 13)}…` : name)}</text>`;
    })
    .join('');
  return { body, height: Math.ceil(classNames.length / perRow) * 16 + 8 };
}

function doc(width: number, height: number, title: string, body: string, t: Theme): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">` +
    `<rect width="100%" height="100%" fill="${t.bg}"/>` +
    `<text x="10" y="18" font-size="14" font-weight="600" fill="${t.text}">${esc(title)}</text>${body}</svg>`
  );
}

/** The scatter with each class's colour and marker, and a legend. */
export function scatterSvg(
  title: string,
  frame: EmbeddingFrame,
  labels: readonly number[],
  classNames: readonly string[],
  t: Theme,
  size = 480,
): { svg: string; width: number; height: number } {
  const head = 26;
  const s = fitFrame(frame.xy, size);
  let pts = `<rect x="0.5" y="${head + 0.5}" width="${size - 1}" height="${size - 1}" fill="none" stroke="${t.grid}"/>`;
  for (let i = 0; i < s.length / 2; i++) {
    const k = labels[i] ?? 0;
    pts += markerSvg(classMarker(k), s[2 * i]!, head + s[2 * i + 1]!, 3, classColor(k));
  }
  const legend = legendSvg(classNames, head + size, size, t);
  const height = head + size + legend.height;
  return {
    svg: doc(size, height, title, `<g opacity="0.85">${pts}</g>${legend.body}`, t),
    width: size,
    height,
  };
}

/** Rows = true class, columns = predicted: counts. */
export function confusionCsv(
  run: string,
  step: number,
  c: readonly number[][],
  names: readonly string[],
) {
  const rows: Array<Array<string | number>> = [['run', 'step', 'true \\ predicted', ...names]];
  c.forEach((row, r) => rows.push([run, step, names[r] ?? r, ...row]));
  return csv(rows);
}

/** The matrix as a grid of cells shaded by their share of the row, with counts. */
export function confusionSvg(
  title: string,
  c: readonly number[][],
  names: readonly string[],
  t: Theme,
): { svg: string; width: number; height: number } {
  const k = c.length;
  const cell = 34;
  const left = 90;
  const top = 26 + 60;
  const width = left + k * cell + 10;
  const height = top + k * cell + 10;
  let body = '';
  names.forEach((n, j) => {
    const x = left + j * cell + cell / 2;
    body += `<text transform="translate(${x},${top - 6}) rotate(-50)" font-size="10" fill="${t.muted}">${esc(n.slice(0, 12))}</text>`;
  });
  c.forEach((row, r) => {
    const n = row.reduce((a, b) => a + b, 0) || 1;
    const y = top + r * cell;
    body += `<text x="${left - 6}" y="${y + cell / 2 + 4}" font-size="10" text-anchor="end" fill="${t.muted}">${esc((names[r] ?? String(r)).slice(0, 14))}</text>`;
    row.forEach((v, j) => {
      const x = left + j * cell;
      const hue = r === j ? '30,122,70' : '180,35,24';
      const a = v ? 0.08 + 0.57 * (v / n) : 0;
      body += `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgba(${hue},${a.toFixed(3)})" stroke="${t.grid}"/>`;
      if (v)
        body += `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="10" text-anchor="middle" fill="${t.text}">${v}</text>`;
    });
  });
  return { svg: doc(width, height, title, body, t), width, height };
}

/** One row per class. */
export function classBarsCsv(
  run: string,
  step: number,
  metric: string,
  values: ReadonlyArray<number | null>,
  names: readonly string[],
) {
  const rows: Array<Array<string | number>> = [['run', 'step', 'class', metric]];
  values.forEach((v, k) => rows.push([run, step, names[k] ?? k, v ?? '']));
  return csv(rows);
}

/** Horizontal bars (signed: centred on zero), with each class's value printed. */
export function classBarsSvg(
  title: string,
  values: ReadonlyArray<number | null>,
  names: readonly string[],
  format: (v: number) => string,
  t: Theme,
  opts: { signed?: boolean; max?: number } = {},
): { svg: string; width: number; height: number } {
  const rowH = 18;
  const left = 110;
  const barW = 240;
  const width = left + barW + 80;
  const height = 26 + values.length * rowH + 10;
  const scale = opts.signed
    ? Math.max(1e-9, ...values.map((v) => Math.abs(v ?? 0)))
    : (opts.max ?? 1);
  let body = '';
  values.forEach((v, k) => {
    const y = 26 + k * rowH;
    const frac = v === null ? 0 : Math.min(1, Math.abs(v) / scale);
    const w = opts.signed ? frac * (barW / 2) : frac * barW;
    const x = opts.signed ? left + barW / 2 - ((v ?? 0) < 0 ? w : 0) : left;
    body += `<text x="${left - 6}" y="${y + 12}" font-size="11" text-anchor="end" fill="${t.muted}">${esc((names[k] ?? String(k)).slice(0, 16))}</text>`;
    body += `<rect x="${left}" y="${y + 3}" width="${barW}" height="${rowH - 6}" fill="${t.grid}"/>`;
    body += `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${(v ?? 0) < 0 ? '#b42318' : '#1f5fbf'}"/>`;
    body += `<text x="${left + barW + 6}" y="${y + 12}" font-size="11" fill="${t.text}">${v === null ? '—' : `${opts.signed && v > 0 ? '+' : ''}${format(v)}`}</text>`;
  });
  return { svg: doc(width, height, title, body, t), width, height };
}
