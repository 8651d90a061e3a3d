/**
 * How a class is drawn: a colour (Okabe–Ito first, legible on light and dark panels) and a
 * marker shape, so that classes stay apart without colour vision. One definition for the
 * canvas, the exported SVG and the legend.
 */
export const CLASS_COLORS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#7f7f7f',
  '#8c564b',
  '#17becf',
];

export const MARKERS = [
  'circle',
  'square',
  'triangle',
  'diamond',
  'down',
  'plus',
  'cross',
  'ring',
  'box',
  'star',
] as const;
export type Marker = (typeof MARKERS)[number];

export const classColor = (k: number) => CLASS_COLORS[k % CLASS_COLORS.length]!;
export const classMarker = (k: number): Marker => MARKERS[k % MARKERS.length]!;

/** Outline markers: drawn with a stroke, not a fill. */
const STROKED: ReadonlySet<Marker> = new Set(['plus', 'cross', 'ring', 'box']);

/** The marker's path around (x, y) with radius r, as SVG path data. */
export function markerPath(m: Marker, x: number, y: number, r: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  const pts = (p: Array<[number, number]>) =>
    `M${p.map(([a, b]) => `${f(x + a * r)},${f(y + b * r)}`).join('L')}Z`;
  switch (m) {
    case 'circle':
    case 'ring':
      return `M${f(x - r)},${f(y)}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0Z`;
    case 'square':
    case 'box':
      return pts([
        [-0.85, -0.85],
        [0.85, -0.85],
        [0.85, 0.85],
        [-0.85, 0.85],
      ]);
    case 'triangle':
      return pts([
        [0, -1.1],
        [1, 0.8],
        [-1, 0.8],
      ]);
    case 'down':
      return pts([
        [0, 1.1],
        [1, -0.8],
        [-1, -0.8],
      ]);
    case 'diamond':
      return pts([
        [0, -1.2],
        [1, 0],
        [0, 1.2],
        [-1, 0],
      ]);
    case 'plus':
      return `M${f(x - r)},${f(y)}H${f(x + r)}M${f(x)},${f(y - r)}V${f(y + r)}`;
    case 'cross': {
      const d = r * 0.8;
      return `M${f(x - d)},${f(y - d)}L${f(x + d)},${f(y + d)}M${f(x - d)},${f(y + d)}L${f(x + d)},${f(y - d)}`;
    }
    case 'star': {
      const p: Array<[number, number]> = [];
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 ? 0.5 : 1.2;
        p.push([Math.cos(a) * rr, Math.sin(a) * rr]);
      }
      return pts(p);
    }
  }
}

/** An SVG element of the marker (for the exported SVG and the legend). */
export function markerSvg(m: Marker, x: number, y: number, r: number, color: string): string {
  const d = markerPath(m, x, y, r);
  return STROKED.has(m)
    ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`
    : `<path d="${d}" fill="${color}"/>`;
}

/** Each marker's Path2D around the origin, per radius: parsed once, not once per point drawn. */
const shapes = new Map<string, Path2D>();

/** Draws the marker on a canvas (the same path data, translated to (x, y)). */
export function drawMarker(
  ctx: CanvasRenderingContext2D,
  m: Marker,
  x: number,
  y: number,
  r: number,
  color: string,
): void {
  const key = `${m}|${r}`;
  let p = shapes.get(key);
  if (!p) {
    p = new Path2D(markerPath(m, 0, 0, r));
    shapes.set(key, p);
  }
  ctx.translate(x, y);
  if (STROKED.has(m)) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke(p);
  } else {
    ctx.fillStyle = color;
    ctx.fill(p);
  }
  ctx.translate(-x, -y);
}
