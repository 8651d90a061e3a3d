/** Builds the worker's start request (ids and readable names) from the settings. Pure. */
import { DATASETS } from '../data/registry';
import { METHOD_LABELS, type TrainConfig, usesMatching } from '../engine/config';
import type { StartRequest } from '../protocol';
import type { TwinSettings } from './urlConfig';

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

export function runLabel(
  c: Pick<TrainConfig, 'method' | 'lambda' | 'estimator' | 'lambdaGini' | 'lambdaKl'>,
): string {
  const parts: string[] = [METHOD_LABELS[c.method]];
  if (usesMatching(c.method)) {
    parts.push(`λ${c.lambda}`);
    if (c.estimator === 'unbiased') parts.push('unbiased');
  }
  if (c.method === 'discern') parts.push(`g${c.lambdaGini} k${c.lambdaKl}`);
  return parts.join(' ');
}

/** What both sides share, after the method: dataset, model, seed, and label noise when on. */
function nameSuffix(c: TrainConfig): string {
  const noise =
    c.labelNoise > 0 ? ` · noise ${Number.parseFloat((c.labelNoise * 100).toFixed(1))}%` : '';
  return ` · ${DATASETS[c.dataset].shortName} · ${c.model} · seed ${c.seed}${noise}`;
}

export function buildStartRequest(
  config: TrainConfig,
  twin: TwinSettings,
  makeId: () => string = newRunId,
): StartRequest {
  const suffix = nameSuffix(config);
  if (!twin.enabled) {
    return { runIds: [makeId()], names: [`${runLabel(config)}${suffix}`], config };
  }
  // Side B's own method, estimator and weights; everything else (batches included) is side
  // A's. The Gini + KL weights are sent only where they differ from side A's.
  const twinB: Partial<TrainConfig> = {
    method: twin.method,
    estimator: twin.estimator,
    lambda: twin.lambda,
  };
  if (twin.lambdaGini !== config.lambdaGini) twinB.lambdaGini = twin.lambdaGini;
  if (twin.lambdaKl !== config.lambdaKl) twinB.lambdaKl = twin.lambdaKl;
  return {
    runIds: [makeId(), makeId()],
    names: [`A: ${runLabel(config)}${suffix}`, `B: ${runLabel({ ...config, ...twinB })}${suffix}`],
    config,
    twinB,
  };
}
