/**
 * The sweep's figures as standalone SVG text: test CE against λ with ± sd error bars per method
 * (the paper's Figure 2), and the mean Figure-1 curves with a shaded ± one sd band. Plain SVG
 * strings: no DOM, so the CLI writes them and the tests read them.
 */
import { METHOD_LABELS } from '../engine/config';
import type { RunRecord } from '../engine/runRecord';
import { groupKeyOf } from './grid';
import { CURVE_METRICS, type CurveMetric, coordsOf, type GroupSummary, meanCurve } from './summary';

/** Colour-blind-safe (Okabe–Ito), with a dash pattern each as a second cue. */
const COLORS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#882255',
];
/** One fewer than the colours: colour and dash together stay unique for 56 series. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4'];

/** "ITRA-c λ0.6 lr=0.05": the method's label, then the other coordinates. */
function seriesTitle(g: GroupSummary): string {
  const rest = Object.entries(g.coords)
    .filter(([k]) => k !== 'method' && k !== 'lambda')
    .map(([k, v]) => `${k}=${v}`);
  return [METHOD_LABELS[g.method], ...(g.lambda === null ? [] : [`λ${g.lambda}`]), ...rest].join(
    ' ',
  );
}

const W = 640;
const H = 400;
const M = { left: 64, right: 180, top: 36, bottom: 48 };

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Linear scale with a little headroom; a flat range gets ±5%. */
function scale(lo: number, hi: number, a: number, b: number) {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
  }
  const f = (x: number) => a + ((x - lo) / (hi - lo)) * (b - a);
  return { f, lo, hi };
}

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step));
  const nice = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((k) => k >= step) ?? step;
  const out: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + 1e-12; t += nice)
    out.push(Number(t.toPrecision(12)));
  return out;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  xs: ReturnType<typeof scale>,
  ys: ReturnType<typeof scale>,
): string[] {
  const out: string[] = [
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`,
    `<text x="16" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">${esc(yLabel)}</text>`,
  ];
  for (const t of ticks(xs.lo, xs.hi)) {
    out.push(
      `<text x="${r2(xs.f(t))}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`,
    );
  }
  for (const t of ticks(ys.lo, ys.hi)) {
    const y = r2(ys.f(t));
    out.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${t}</text>`,
    );
  }
  return out;
}

function legend(entries: Array<{ label: string; i: number; dash?: string }>): string[] {
  return entries.flatMap(({ label, i, dash }, k) => {
    const y = M.top + 8 + k * 18;
    const x = W - M.right + 14;
    return [
      `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" stroke-dasharray="${dash ?? DASHES[i % DASHES.length]}"/>`,
      `<text x="${x + 28}" y="${y + 4}" font-size="11">${esc(label)}</text>`,
    ];
  });
}

const svg = (body: string[], title: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img" aria-label="${esc(title)}">\n<title>${esc(title)}</title>\n${body.join('\n')}\n</svg>\n`;

/**
 * Test CE against λ: one line with ± sd error bars per matching method and combination of the
 * other settings; methods without λ as a dashed level with its ± sd band. Null when no group
 * has a λ.
 */
export function figure2Svg(groups: readonly GroupSummary[], title: string): string | null {
  const withLambda = groups.filter((g) => g.lambda !== null && g.metrics.finalTestCE.mean !== null);
  if (withLambda.length === 0) return null;
  const flat = groups.filter((g) => g.lambda === null && g.metrics.finalTestCE.mean !== null);
  const series = new Map<string, GroupSummary[]>();
  for (const g of withLambda) {
    const { lambda: _l, ...rest } = g.coords;
    const key = groupKeyOf(rest);
    series.set(key, [...(series.get(key) ?? []), g]);
  }
  const lambdas = withLambda.map((g) => g.lambda!);
  const spread = (g: GroupSummary) => g.metrics.finalTestCE.sd ?? 0;
  const ceValues = [...withLambda, ...flat].flatMap((g) => {
    const m = g.metrics.finalTestCE.mean!;
    return [m - spread(g), m + spread(g)];
  });
  const xs = scale(Math.min(...lambdas), Math.max(...lambdas), M.left, W - M.right);
  const ys = scale(Math.min(...ceValues), Math.max(...ceValues), H - M.bottom, M.top);
  const body = frame(title, 'λ', 'final test cross-entropy (mean ± sd over seeds)', xs, ys);
  const entries: Array<{ label: string; i: number; dash?: string }> = [];
  let i = 0;
  for (const g of flat) {
    const c = COLORS[i % COLORS.length];
    const dash = DASHES[i % DASHES.length] || '6 3';
    const m = g.metrics.finalTestCE.mean!;
    const [x0, x1] = [M.left, W - M.right];
    body.push(
      `<rect x="${x0}" y="${r2(ys.f(m + spread(g)))}" width="${x1 - x0}" height="${r2(ys.f(m - spread(g)) - ys.f(m + spread(g)))}" fill="${c}" fill-opacity="0.1"/>`,
      `<line x1="${x0}" y1="${r2(ys.f(m))}" x2="${x1}" y2="${r2(ys.f(m))}" stroke="${c}" stroke-width="2" stroke-dasharray="${dash}" data-series="${esc(g.label)}"/>`,
    );
    entries.push({ label: seriesTitle(g), i, dash });
    i++;
  }
  for (const gs of series.values()) {
    const c = COLORS[i % COLORS.length];
    const sorted = [...gs].sort((a, b) => a.lambda! - b.lambda!);
    const pts = sorted.map(
      (g) => `${r2(xs.f(g.lambda!))},${r2(ys.f(g.metrics.finalTestCE.mean!))}`,
    );
    body.push(
      `<polyline points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="2" stroke-dasharray="${DASHES[i % DASHES.length]}" data-series="${esc(METHOD_LABELS[sorted[0]!.method])}"/>`,
    );
    for (const g of sorted) {
      const x = r2(xs.f(g.lambda!));
      const m = g.metrics.finalTestCE.mean!;
      const s = spread(g);
      body.push(
        `<line x1="${x}" y1="${r2(ys.f(m - s))}" x2="${x}" y2="${r2(ys.f(m + s))}" stroke="${c}" class="error-bar"/>`,
        `<circle cx="${x}" cy="${r2(ys.f(m))}" r="3.5" fill="${c}" data-lambda="${g.lambda}" data-mean="${m}" data-sd="${s}"/>`,
      );
    }
    const { lambda: _l, ...rest } = sorted[0]!.coords;
    const others = Object.entries(rest)
      .filter(([k]) => k !== 'method')
      .map(([k, v]) => `${k}=${v}`);
    entries.push({ label: [METHOD_LABELS[sorted[0]!.method], ...others].join(' '), i });
    i++;
  }
  body.push(...legend(entries));
  return svg(body, title);
}

const METRIC_TITLES: Record<CurveMetric, string> = {
  intraDist: 'normalized intra-class distance',
  testAcc: 'test accuracy',
  testCE: 'test cross-entropy',
};

/** One Figure-1 metric over steps: each group's mean curve with a ± one sd band. */
export function curvesSvg(
  records: readonly RunRecord[],
  groups: readonly GroupSummary[],
  metric: CurveMetric,
  title: string,
): string | null {
  const curves = groups
    .map((g) => ({
      g,
      points: meanCurve(
        records.filter((r) => groupKeyOf(coordsOf(r)) === g.groupKey),
        metric,
      ),
    }))
    .filter((c) => c.points.length > 0);
  if (curves.length === 0) return null;
  const steps = curves.flatMap((c) => c.points.map((p) => p.step));
  const values = curves.flatMap((c) => c.points.flatMap((p) => [p.mean - p.sd, p.mean + p.sd]));
  const xs = scale(Math.min(...steps), Math.max(...steps), M.left, W - M.right);
  const ys = scale(Math.min(...values), Math.max(...values), H - M.bottom, M.top);
  const body = frame(title, 'step', `${METRIC_TITLES[metric]} (mean ± sd over seeds)`, xs, ys);
  curves.forEach(({ g, points }, i) => {
    const c = COLORS[i % COLORS.length];
    const upper = points.map((p) => `${r2(xs.f(p.step))},${r2(ys.f(p.mean + p.sd))}`);
    const lower = points.map((p) => `${r2(xs.f(p.step))},${r2(ys.f(p.mean - p.sd))}`).reverse();
    body.push(
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${c}" fill-opacity="0.15" stroke="none" class="band"/>`,
      `<polyline points="${points.map((p) => `${r2(xs.f(p.step))},${r2(ys.f(p.mean))}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2" stroke-dasharray="${DASHES[i % DASHES.length]}" data-series="${esc(g.label)}"/>`,
    );
  });
  body.push(...legend(curves.map(({ g }, i) => ({ label: seriesTitle(g), i }))));
  return svg(body, title);
}

export { CURVE_METRICS };
