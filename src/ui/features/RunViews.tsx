/**
 * One run's feature views at a step (scatter, confusion matrix, per-class bars, mistakes),
 * each with its tools, the class legend, and the twin's per-class difference B − A.
 */
import { DATASETS } from '../../data/registry';
import type { EmbeddingFrame, RunRecord } from '../../engine/runRecord';
import type { SubsetImages } from '../../state/featuresStore';
import { classLabel } from '../labels';
import { ClassBars } from './ClassBars';
import { ConfusionMatrix } from './ConfusionMatrix';
import { classColor, classMarker, markerSvg } from './classStyle';
import { FeatureFigure, ValuesTable } from './FeatureFigure';
import { classDiff, divergedNote, pointAt } from './featureData';
import {
  classBarsCsv,
  classBarsSvg,
  confusionCsv,
  confusionSvg,
  scatterCsv,
  scatterSvg,
} from './featureExport';
import { MistakesGallery } from './MistakesGallery';
import { ScatterCanvas } from './ScatterCanvas';

/** Class names as the legend shows them (KMNIST: hiragana with romaji). */
export function classNamesOf(dataset: RunRecord['config']['dataset']): string[] {
  const { classNames, classRomaji } = DATASETS[dataset];
  return classNames.map((_, k) => classLabel(classNames, classRomaji, k));
}

export function Legend({ classNames }: { classNames: readonly string[] }) {
  return (
    <ul className="features-legend" aria-label="Classes (colour and marker)">
      {classNames.map((n, k) => (
        <li key={n}>
          <svg
            className="legend-marker"
            width="12"
            height="12"
            aria-hidden="true"
            // biome-ignore lint/security/noDangerouslySetInnerHtml: our own marker path, no user text
            dangerouslySetInnerHTML={{
              __html: markerSvg(classMarker(k), 6, 6, 4.5, classColor(k)),
            }}
          />
          {n}
        </li>
      ))}
    </ul>
  );
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

export function RunViews({
  record,
  step,
  frame,
  images,
  imagesNote,
}: {
  record: RunRecord;
  step: number;
  frame: EmbeddingFrame | null;
  images: SubsetImages | null;
  /** Why there are no images (a stored run whose dataset is not loaded). */
  imagesNote: string;
}) {
  const classNames = classNamesOf(record.config.dataset);
  const labels = record.embedSubset?.labels ?? [];
  const point = pointAt(record, step);
  const side = record.twin ? `${record.twin.side}: ` : '';
  const title = (what: string) => `${side}${what}`;
  return (
    <div className="features-side" data-run={record.id}>
      <h3>
        {side}
        {record.name}
      </h3>
      {frame ? (
        <FeatureFigure
          title={title(`${frame.method.toUpperCase()} step ${frame.step}`)}
          heading={
            frame.method === 'pca'
              ? `PCA, step ${frame.step}${frame.explained !== undefined ? `: the two axes show ${(frame.explained * 100).toFixed(0)}% of the feature variance` : ''}${divergedNote(record, frame)}`
              : `UMAP, step ${frame.step}${divergedNote(record, frame)}`
          }
          svg={(t) =>
            scatterSvg(
              `${record.name}: ${frame.method.toUpperCase()}, step ${frame.step}`,
              frame,
              labels,
              classNames,
              t,
            )
          }
          csv={() => scatterCsv(record.name, frame, record.embedSubset, classNames)}
          table={() => (
            <ValuesTable
              caption={`${frame.method.toUpperCase()} points at step ${frame.step}`}
              head={['Point', 'Test image', 'True', 'Predicted', 'x', 'y']}
              rows={frame.pred.map((p, i) => [
                i + 1,
                record.embedSubset?.indices[i] ?? '',
                classNames[labels[i]!] ?? '',
                classNames[p] ?? p,
                frame.xy[2 * i]!,
                frame.xy[2 * i + 1]!,
              ])}
            />
          )}
        >
          <ScatterCanvas
            frame={frame}
            labels={labels}
            classNames={classNames}
            images={images}
            label={`${side}${frame.method.toUpperCase()} of the features at step ${frame.step}`}
          />
        </FeatureFigure>
      ) : (
        <p className="muted">No embedding recorded at this step.</p>
      )}
      {point?.confusion ? (
        <>
          <FeatureFigure
            title={title(`Confusion matrix step ${point.step}`)}
            heading={`Confusion matrix (eval subset, step ${point.step})`}
            svg={(t) =>
              confusionSvg(
                `${record.name}: confusion matrix, step ${point.step}`,
                point.confusion!,
                classNames,
                t,
              )
            }
            csv={() => confusionCsv(record.name, point.step, point.confusion!, classNames)}
            table={() => (
              <ValuesTable
                caption={`Share of each true class (row) predicted as each class, step ${point.step}`}
                head={['True \\ predicted', ...classNames]}
                rows={point.confusion!.map((row, r) => {
                  const n = row.reduce((a, b) => a + b, 0) || 1;
                  return [classNames[r] ?? r, ...row.map((v) => pct(v / n))];
                })}
              />
            )}
          >
            <ConfusionMatrix
              confusion={point.confusion}
              classNames={classNames}
              label={`${side}confusion matrix`}
            />
          </FeatureFigure>
          <BarsFigure
            title={title(`Per-class accuracy step ${point.step}`)}
            heading={`Per-class accuracy (total ${((point.testAcc ?? 0) * 100).toFixed(1)}%)`}
            run={record.name}
            step={point.step}
            metric="accuracy"
            values={point.classAcc ?? []}
            classNames={classNames}
            label={`${side}per-class accuracy`}
            format={(v) => `${(v * 100).toFixed(1)}%`}
          />
          <BarsFigure
            title={title(`Per-class intra-class distance step ${point.step}`)}
            heading={`Per-class intra-class distance${point.silhouette != null ? ` · silhouette ${point.silhouette.toFixed(3)}` : ''}`}
            run={record.name}
            step={point.step}
            metric="intra_class_distance"
            values={point.classIntra ?? []}
            classNames={classNames}
            label={`${side}per-class intra-class distance`}
            max={Math.max(1, ...(point.classIntra ?? []).map((v) => v ?? 0))}
            format={(v) => v.toFixed(3)}
          />
        </>
      ) : null}
      {frame ? (
        <details className="features-mistakes">
          <summary>Mistakes at step {frame.step}</summary>
          <MistakesGallery
            frame={frame}
            labels={labels}
            classNames={classNames}
            images={images}
            imagesNote={imagesNote}
          />
        </details>
      ) : null}
    </div>
  );
}

function BarsFigure(props: {
  title: string;
  heading: string;
  run: string;
  step: number;
  metric: string;
  values: ReadonlyArray<number | null>;
  classNames: readonly string[];
  label: string;
  format: (v: number) => string;
  max?: number;
  signed?: boolean;
}) {
  const { title, heading, run, step, metric, values, classNames, format } = props;
  const opts = { max: props.max, signed: props.signed };
  return (
    <FeatureFigure
      title={title}
      heading={heading}
      svg={(t) => classBarsSvg(`${run}: ${heading}`, values, classNames, format, t, opts)}
      csv={() => classBarsCsv(run, step, metric, values, classNames)}
      table={() => (
        <ValuesTable
          caption={`${heading}, step ${step}`}
          head={['Class', metric.replaceAll('_', ' ')]}
          rows={values.map((v, k) => [classNames[k] ?? k, v === null ? '—' : format(v)])}
        />
      )}
    >
      <ClassBars
        values={values}
        classNames={classNames}
        label={props.label}
        max={props.max}
        signed={props.signed}
        format={format}
      />
    </FeatureFigure>
  );
}

export function TwinDiff({ a, b, step }: { a: RunRecord; b: RunRecord; step: number }) {
  const pa = pointAt(a, step);
  const pb = pointAt(b, step);
  const diff = classDiff(pa?.classAcc, pb?.classAcc);
  if (!diff.length || !pb) return null;
  return (
    <div className="features-diff">
      <BarsFigure
        title={`Per-class accuracy B minus A step ${pb.step}`}
        heading={`Per-class accuracy, B − A (step ${pb.step})`}
        run={`${b.name} − ${a.name}`}
        step={pb.step}
        metric="accuracy_difference"
        values={diff}
        classNames={classNamesOf(a.config.dataset)}
        label="per-class accuracy B minus A"
        signed
        format={(v) => `${(v * 100).toFixed(1)} pt`}
      />
    </div>
  );
}
