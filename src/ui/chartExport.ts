/**
 * A drawn chart as a standalone SVG (title, curves, axes, legend; the theme's colours
 * written in, since CSS variables do not travel) and as a PNG drawn from that SVG.
 * Runs only when the user asks for a file.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';
const STYLE_PROPS = [
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'fill',
  'fill-opacity',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
] as const;

export interface LegendEntry {
  name: string;
  color: string;
  dash?: string;
}

export interface ChartImage {
  svg: string;
  width: number;
  height: number;
}

/** A CSS colour (a `var(--run-0)` included) as the page resolves it now. */
export function resolveColor(css: string, within: Element = document.body): string {
  const probe = document.createElement('span');
  probe.style.color = css;
  within.append(probe);
  const c = getComputedStyle(probe).color;
  probe.remove();
  return c;
}

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/**
 * The chart inside `figure` (a MetricChart) as a standalone SVG document; with `onlyClass`,
 * only the lines of that class (one run's, runLineClass) and no seed bands.
 */
export function chartSvg(
  figure: Element,
  title: string,
  legend: readonly LegendEntry[],
  onlyClass?: string,
): ChartImage {
  const surface = figure.querySelector<SVGSVGElement>('svg.chart-surface');
  if (!surface) throw new Error(`${title}: the chart is not drawn yet`);
  const clone = surface.cloneNode(true) as SVGSVGElement;
  const drop = onlyClass
    ? [...clone.querySelectorAll('.chart-line, .chart-area')].filter(
        (g) => !g.classList.contains(onlyClass),
      )
    : [];
  // Computed styles in, var() attributes out; the hover cursor and active dots are not data.
  const src = [surface, ...surface.querySelectorAll('*')];
  const dst = [clone, ...clone.querySelectorAll('*')];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    const out = dst[i] as SVGElement;
    for (const a of [...out.attributes]) if (a.value.includes('var(')) out.removeAttribute(a.name);
    out.removeAttribute('tabindex');
    out.removeAttribute('role');
    out.setAttribute(
      'style',
      STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`)
        .filter((d) => !d.endsWith(':'))
        .join(';'),
    );
  });
  for (const el of clone.querySelectorAll('[style*="display:none"], .chart-cursor')) el.remove();
  for (const el of drop) el.remove();
  const panel = getComputedStyle(figure);
  const font = panel.fontFamily.replaceAll('"', "'");
  const text = panel.color;
  const muted = resolveColor('var(--muted)', figure);
  const bg = resolveColor('var(--panel)', figure);

  const w = surface.width.baseVal.value || surface.clientWidth;
  const h = surface.height.baseVal.value || surface.clientHeight;
  const head = 26;
  const perRow = Math.max(1, Math.floor(w / 170));
  const legendH = legend.length ? Math.ceil(legend.length / perRow) * 16 + 8 : 0;
  const total = head + h + legendH;
  const legendSvg = legend
    .map((e, i) => {
      const x = 10 + (i % perRow) * 170;
      const y = head + h + 12 + Math.floor(i / perRow) * 16;
      const dash = e.dash ? ` stroke-dasharray="${e.dash}"` : '';
      return `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${resolveColor(e.color, figure)}" stroke-width="2.4"${dash}/><text x="${x + 28}" y="${y + 4}" font-size="11" fill="${muted}">${esc(e.name.length > 24 ? `${e.name.slice(0, 23)}…` : e.name)}</text>`;
    })
    .join('');
  clone.setAttribute('x', '0');
  clone.setAttribute('y', String(head));
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.removeAttribute('style');
  const inner = new XMLSerializer().serializeToString(clone);
  const svg =
    `<svg xmlns="${SVG_NS}" width="${w}" height="${total}" viewBox="0 0 ${w} ${total}" font-family="${esc(font)}">` +
    `<rect width="100%" height="100%" fill="${bg}"/>` +
    `<text x="10" y="18" font-size="14" font-weight="600" fill="${text}">${esc(title)}</text>` +
    `${inner}${legendSvg}</svg>`;
  return { svg, width: w, height: total };
}

/** The SVG drawn on a canvas at `scale` (2: sharp on high-density screens) as a PNG. */
export async function svgToPng(image: ChartImage, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([image.svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(image.width * scale);
    canvas.height = Math.round(image.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, image.width, image.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
