/**
 * The embedding scatter, on a canvas (hundreds to thousands of points per frame: SVG nodes
 * would cost long tasks). Coloured by true class; hover shows the image, true and predicted
 * labels. `data-points` carries the drawn point count for tests.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EmbeddingFrame } from '../../engine/runRecord';
import type { SubsetImages } from '../../state/featuresStore';
import { ImageThumb } from './ImageThumb';

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

interface Props {
  frame: EmbeddingFrame | null;
  labels: readonly number[];
  classNames: readonly string[];
  images: SubsetImages | null;
  label: string;
  size?: number;
}

const PAD = 10;

export function ScatterCanvas({ frame, labels, classNames, images, label, size = 320 }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);
  // Screen positions: the frame fitted into the square (the same scale on both axes).
  const screen = useMemo(() => {
    if (!frame) return null;
    const n = frame.xy.length / 2;
    let minX = Infinity;
    let maxX = -Infinity;
    let minY = Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = frame.xy[2 * i]!;
      const y = frame.xy[2 * i + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const span = Math.max(maxX - minX, maxY - minY) || 1;
    const k = (size - 2 * PAD) / span;
    const cx = (minX + maxX) / 2;
    const cy = (minY + maxY) / 2;
    const out = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      out[2 * i] = size / 2 + (frame.xy[2 * i]! - cx) * k;
      out[2 * i + 1] = size / 2 - (frame.xy[2 * i + 1]! - cy) * k;
    }
    return out;
  }, [frame, size]);

  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = globalThis.devicePixelRatio || 1;
    canvas.width = size * dpr;
    canvas.height = size * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    if (!screen) return;
    ctx.globalAlpha = 0.8;
    for (let i = 0; i < screen.length / 2; i++) {
      ctx.fillStyle = CLASS_COLORS[labels[i]! % CLASS_COLORS.length]!;
      ctx.fillRect(screen[2 * i]! - 2, screen[2 * i + 1]! - 2, 4, 4);
    }
    if (hover) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = '#000';
      ctx.strokeRect(screen[2 * hover.i]! - 4, screen[2 * hover.i + 1]! - 4, 8, 8);
    }
  }, [screen, labels, size, hover]);

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

  const n = frame ? frame.xy.length / 2 : 0;
  const h = hover && frame ? hover : null;
  return (
    <div className="scatter" style={{ width: size }}>
      <canvas
        ref={ref}
        role="img"
        aria-label={label}
        data-points={n}
        data-step={frame?.step ?? ''}
        data-method={frame?.method ?? ''}
        style={{ width: size, height: size }}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      />
      {frame?.collapsed ? (
        <p className="scatter-note" role="status">
          Collapsed: every image maps to (nearly) the same features, so all {n} points sit in one
          blob.
        </p>
      ) : null}
      {h && frame ? (
        <div
          className="scatter-tip"
          style={{ left: Math.min(h.x + 12, size - 120), top: h.y + 12 }}
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
