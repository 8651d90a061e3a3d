/**
 * The embedding scatter, on a canvas (hundreds to thousands of points per frame: SVG nodes
 * would cost long tasks). Each true class has a colour and a marker shape; hover, or keyboard
 * focus and the arrow keys, show a point's image, true and predicted labels. `data-points`
 * carries the drawn point count for tests.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EmbeddingFrame } from '../../engine/runRecord';
import type { SubsetImages } from '../../state/featuresStore';
import { classColor, classMarker, drawMarker } from './classStyle';
import { fitFrame } from './featureExport';
import { ImageThumb } from './ImageThumb';

interface Props {
  frame: EmbeddingFrame | null;
  labels: readonly number[];
  classNames: readonly string[];
  images: SubsetImages | null;
  label: string;
  size?: number;
}

const ARROWS: Record<string, [number, number]> = {
  ArrowRight: [1, 0],
  ArrowLeft: [-1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** The nearest point from `i` in direction (dx, dy), off-axis distance counting double. */
export function nextPoint(screen: Float32Array, i: number, dx: number, dy: number): number {
  const x0 = screen[2 * i]!;
  const y0 = screen[2 * i + 1]!;
  let best = i;
  let bestCost = Infinity;
  for (let j = 0; j < screen.length / 2; j++) {
    const ax = screen[2 * j]! - x0;
    const ay = screen[2 * j + 1]! - y0;
    const along = ax * dx + ay * dy;
    if (j === i || along <= 0) continue;
    const cost = along + 2 * Math.abs(ax * dy - ay * dx);
    if (cost < bestCost) {
      bestCost = cost;
      best = j;
    }
  }
  return best;
}

export function ScatterCanvas({ frame, labels, classNames, images, label, size = 320 }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);
  const screen = useMemo(() => (frame ? fitFrame(frame.xy, size) : null), [frame, size]);
  const n = frame ? frame.xy.length / 2 : 0;
  const h = hover && hover.i < n ? hover : null;

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = globalThis.devicePixelRatio || 1;
    // Resizing reallocates the canvas: only when the size changed (clearRect clears).
    if (canvas.width !== size * dpr) canvas.width = size * dpr;
    if (canvas.height !== size * dpr) canvas.height = size * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    if (!screen) return;
    ctx.globalAlpha = 0.8;
    for (let i = 0; i < screen.length / 2; i++) {
      const k = labels[i] ?? 0;
      drawMarker(ctx, classMarker(k), screen[2 * i]!, screen[2 * i + 1]!, 2.6, classColor(k));
    }
    if (h) {
      ctx.globalAlpha = 1;
      // The theme's text colour (the canvas's `color`, light-dark resolved), not a fixed black.
      ctx.strokeStyle = getComputedStyle(canvas).color;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(screen[2 * h.i]! - 5, screen[2 * h.i + 1]! - 5, 10, 10);
    }
  }, [screen, labels, size, h]);

  const at = (i: number) => (screen ? { i, x: screen[2 * i]!, y: screen[2 * i + 1]! } : null);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!screen) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    let best = -1;
    let bestD = 64; // within 8 px
    for (let i = 0; i < screen.length / 2; i++) {
      const d = (screen[2 * i]! - x) ** 2 + (screen[2 * i + 1]! - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    setHover(best >= 0 ? { i: best, x, y } : null);
  };

  const onKey = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    if (!screen || n === 0) return;
    const dir = ARROWS[e.key];
    let i: number | null = null;
    if (dir) i = nextPoint(screen, h?.i ?? 0, dir[0], dir[1]);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = n - 1;
    else if (e.key === 'Escape') {
      setHover(null);
      return;
    } else return;
    e.preventDefault();
    setHover(at(i));
  };

  const describe = (i: number) =>
    frame
      ? `Point ${i + 1} of ${n}: true ${classNames[labels[i]!] ?? labels[i]}, predicted ${classNames[frame.pred[i]!] ?? frame.pred[i]}`
      : '';

  return (
    <div className="scatter" style={{ width: size }}>
      <canvas
        ref={ref}
        role="img"
        tabIndex={0}
        aria-label={`${label}. Arrow keys move between points.`}
        data-points={n}
        data-step={frame?.step ?? ''}
        data-method={frame?.method ?? ''}
        data-hover={h ? h.i : ''}
        style={{ width: size, height: size }}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        onFocus={() => !h && n > 0 && setHover(at(0))}
        onBlur={() => setHover(null)}
        onKeyDown={onKey}
      />
      <span className="sr-only" aria-live="polite">
        {h ? describe(h.i) : ''}
      </span>
      {frame?.collapsed ? (
        <p className="scatter-note" role="status">
          Collapsed: every image maps to (nearly) the same features, so all {n} points sit in one
          blob.
        </p>
      ) : null}
      {h && frame ? (
        <div
          className="scatter-tip"
          data-testid="scatter-tip"
          style={{ left: Math.min(h.x + 12, size - 120), top: Math.min(h.y + 12, size - 40) }}
        >
          {images ? <ImageThumb images={images} index={h.i} scale={2} /> : null}
          <div>
            true: {classNames[labels[h.i]!] ?? labels[h.i]}
            <br />
            predicted: {classNames[frame.pred[h.i]!] ?? frame.pred[h.i]}
          </div>
        </div>
      ) : null}
    </div>
  );
}
