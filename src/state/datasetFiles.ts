/** Pure helpers for user-opened dataset files: which dataset, which splits are present. */
import type { DatasetId } from '../data/dataset';
import { matchOfficialName } from '../data/registry';

export interface SplitPresence {
  train: boolean;
  test: boolean;
  /** Names that are not official files of the dataset. */
  unknown: string[];
}

export function splitPresence(id: DatasetId, names: readonly string[]): SplitPresence {
  const slots = new Set<string>();
  let train = false;
  let test = false;
  const unknown: string[] = [];
  for (const n of names) {
    const m = matchOfficialName(id, n);
    if (!m) {
      unknown.push(n);
      continue;
    }
    if (m.file.slot === 'archive') {
      if (!m.batch) {
        // The archive holds both splits (the worker says otherwise if it doesn't).
        train = true;
        test = true;
      } else if (m.batch.startsWith('data_batch')) train = true;
      else test = true;
    } else slots.add(m.file.slot);
  }
  if (slots.has('trainImages') && slots.has('trainLabels')) train = true;
  if (slots.has('testImages') && slots.has('testLabels')) test = true;
  return { train, test, unknown };
}

/** Exactly one split present: offer to carve a train/test split from it. */
export function canCarve(p: SplitPresence): boolean {
  return p.train !== p.test;
}

export type DatasetGuess = { id: DatasetId; switched: boolean } | { error: string };

/**
 * Which dataset opened files belong to. KMNIST and Fashion-MNIST share file names, so the
 * selected dataset decides between them; CIFAR-10 files are recognised by name.
 */
export function guessDataset(names: readonly string[], selected: DatasetId): DatasetGuess {
  const matches = (id: DatasetId) => names.filter((n) => matchOfficialName(id, n)).length;
  if (matches(selected) > 0) return { id: selected, switched: false };
  if (matches('cifar10') > 0) return { id: 'cifar10', switched: true };
  if (selected === 'cifar10' && matches('fmnist') > 0) {
    return {
      error:
        'These are MNIST-format files (IDX). Choose KMNIST or Fashion-MNIST in the Dataset menu, then open them again.',
    };
  }
  return {
    error: `None of these files is an official dataset file (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}). Expected e.g. train-images-idx3-ubyte.gz or cifar-10-binary.tar.gz.`,
  };
}
