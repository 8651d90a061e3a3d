/** Builds the worker's start request (ids and readable names) from the settings. Pure. */
import type { DatasetId } from '../data/dataset';
import { METHOD_LABELS, type TrainConfig, usesMatching } from '../engine/config';
import type { StartRequest } from '../protocol';
import type { TwinSettings } from './urlConfig';

export const DATASET_SHORT: Record<DatasetId, string> = {
  kmnist: 'KMNIST',
  fmnist: 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
};

/** randomUUID needs a secure context; a page opened over plain http on a LAN address is not one. */
export function newRunId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // fall through
    }
  }
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function runLabel(c: Pick<TrainConfig, 'method' | 'lambda' | 'estimator'>): string {
  const parts: string[] = [METHOD_LABELS[c.method]];
  if (usesMatching(c.method)) {
    parts.push(`λ${c.lambda}`);
    if (c.estimator === 'unbiased') parts.push('unbiased');
  }
  return parts.join(' ');
}

export function buildStartRequest(
  config: TrainConfig,
  twin: TwinSettings,
  makeId: () => string = newRunId,
): StartRequest {
  const suffix = ` · ${DATASET_SHORT[config.dataset]} · ${config.model} · seed ${config.seed}`;
  if (!twin.enabled) {
    return { runIds: [makeId()], names: [`${runLabel(config)}${suffix}`], config };
  }
  const twinB = { method: twin.method, estimator: twin.estimator, lambda: twin.lambda };
  return {
    runIds: [makeId(), makeId()],
    names: [`A: ${runLabel(config)}${suffix}`, `B: ${runLabel({ ...config, ...twinB })}${suffix}`],
    config,
    twinB,
  };
}
