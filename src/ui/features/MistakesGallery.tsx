/** The embedding subset's images the model gets wrong at the step, grouped by true class. */
import type { EmbeddingFrame } from '../../engine/runRecord';
import type { SubsetImages } from '../../state/featuresStore';
import { mistakesByClass } from './featureData';
import { ImageThumb } from './ImageThumb';

export function MistakesGallery({
  frame,
  labels,
  classNames,
  images,
  imagesNote,
}: {
  frame: EmbeddingFrame;
  labels: readonly number[];
  classNames: readonly string[];
  images: SubsetImages | null;
  /** Why there are no images, shown in their place. */
  imagesNote: string;
}) {
  const { groups, total } = mistakesByClass(labels, frame, classNames.length);
  return (
    <div className="mistakes" data-mistakes={total}>
      <p className="muted">
        {total} of {labels.length} subset images wrong at step {frame.step}
        {images ? '' : ` (labels only: ${imagesNote})`}
      </p>
      {groups.map((g, k) =>
        g.length ? (
          <div className="mistakes-row" key={classNames[k] ?? k}>
            <span className="mistakes-class">{classNames[k]}</span>
            {g.map((m) => (
              <figure key={m.index} className="mistake">
                {images ? (
                  <ImageThumb images={images} index={m.index} title={`#${m.index}`} />
                ) : null}
                <figcaption>→ {classNames[m.pred] ?? m.pred}</figcaption>
              </figure>
            ))}
          </div>
        ) : null,
      )}
    </div>
  );
}
