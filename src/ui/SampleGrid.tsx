/** A few training images per class, drawn on canvases, with the class names. */
import { useEffect, useRef } from 'react';
import type { DatasetSamples } from '../protocol';
import { classLabel } from './labels';

interface Props {
  samples: DatasetSamples;
  classNames: readonly string[];
  romaji?: readonly string[];
}

export function SampleGrid({ samples, classNames, romaji }: Props) {
  const perImage = samples.height * samples.width * samples.channels;
  const numClasses =
    perImage > 0 && samples.perClass > 0
      ? Math.floor(samples.images.length / (perImage * samples.perClass))
      : 0;
  if (numClasses === 0) return null;
  return (
    <figure className="samples" aria-label="Sample images">
      <figcaption>Sample images</figcaption>
      <div className="sample-grid">
        {Array.from({ length: numClasses }, (_, k) => (
          <div className="sample-class" key={classNames[k] ?? k}>
            <span className="sample-label">{classLabel(classNames, romaji, k)}</span>
            <ClassStrip samples={samples} k={k} label={classLabel(classNames, romaji, k)} />
          </div>
        ))}
      </div>
    </figure>
  );
}

function ClassStrip({ samples, k, label }: { samples: DatasetSamples; k: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { height: h, width: w, channels: c, perClass } = samples;

  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(w * perClass, h);
    const per = h * w * c;
    for (let j = 0; j < perClass; j++) {
      const base = (k * perClass + j) * per;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = base + (y * w + x) * c;
          const dst = (y * w * perClass + j * w + x) * 4;
          const r = samples.images[src];
          img.data[dst] = r;
          img.data[dst + 1] = c === 3 ? samples.images[src + 1] : r;
          img.data[dst + 2] = c === 3 ? samples.images[src + 2] : r;
          img.data[dst + 3] = 255;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
  }, [samples, k, h, w, c, perClass]);

  return (
    <canvas
      ref={ref}
      role="img"
      aria-label={`${perClass} samples of class ${label}`}
      width={w * perClass}
      height={h}
      style={{ maxWidth: w * perClass * (h <= 28 ? 1 : 0.875) }}
    />
  );
}
