/** One image of the embedding subset, drawn on a small canvas. */
import { useEffect, useRef } from 'react';
import type { SubsetImages } from '../../state/featuresStore';

export function ImageThumb({
  images,
  index,
  scale = 1,
  title,
}: {
  images: SubsetImages;
  index: number;
  scale?: number;
  title?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { height: h, width: w, channels: c } = images;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w, h);
    const base = index * h * w * c;
    for (let p = 0; p < h * w; p++) {
      const src = base + p * c;
      const v = images.images[src] ?? 0;
      img.data[4 * p] = v;
      img.data[4 * p + 1] = c === 3 ? images.images[src + 1]! : v;
      img.data[4 * p + 2] = c === 3 ? images.images[src + 2]! : v;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [images, index, h, w, c]);
  return (
    <canvas
      ref={ref}
      width={w}
      height={h}
      title={title}
      className="thumb"
      style={{ width: w * scale, height: h * scale }}
    />
  );
}
