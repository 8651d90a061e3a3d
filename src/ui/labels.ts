/** Display names for the controls. */
import { DATASET_IDS, type DatasetId } from '../data/dataset';
import { DATASETS } from '../data/registry';
import type { LrSchedule, Method, ModelId } from '../engine/config';

export const DATASET_LABELS = Object.fromEntries(
  DATASET_IDS.map((id) => [id, DATASETS[id].shortName]),
) as Record<DatasetId, string>;

export const DATASET_ORDER: readonly DatasetId[] = DATASET_IDS;

export const MODEL_LABELS: Record<ModelId, string> = {
  tiny: 'Tiny CNN',
  small: 'Small CNN',
  resnet: 'ResNet (CIFAR-10 only)',
};

/** The order the brief and the paper's tables use, then the later regularizer (issue #15). */
export const METHOD_ORDER: Method[] = ['vanilla', 'itra-c', 'itra', 'lsr', 'center', 'discern'];

export const LR_SCHEDULE_LABELS: Record<LrSchedule, string> = {
  constant: 'Constant',
  step: 'Step decay (milestones × γ)',
  cosine: 'Cosine to a floor over max steps',
};

export const ESTIMATOR_HELP =
  'Biased = the paper’s V-statistic; with warm-up 0 it collapses the features from random init. Unbiased (U-statistic) drops the diagonal terms and does not.';

/** KMNIST: hiragana with romaji, as the dataset publishes them. */
export function classLabel(
  names: readonly string[],
  romaji: readonly string[] | undefined,
  k: number,
) {
  const n = names[k] ?? String(k);
  return romaji?.[k] ? `${n} ${romaji[k]}` : n;
}
