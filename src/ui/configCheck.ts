/** The run schema's own checks and messages, as the settings controls use them. */
import { crossFieldProblems, type TrainConfig, trainConfigSchema } from '../engine/config';

export type NumKey = {
  [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never;
}[keyof TrainConfig];

/** Field-level check with the run schema's own messages. */
export const check = (key: NumKey) => (n: number) => {
  const r = trainConfigSchema.shape[key].safeParse(n);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Invalid value');
};

export const LOCKED = 'Fixed while a run is in progress: press Reset to change it.';

/**
 * The problem between settings that names `key` ("lrSchedule: …" from crossFieldProblems),
 * without the key, or null. Shown beside that field; Train refuses with the same message.
 */
export function crossProblem(config: TrainConfig, key: keyof TrainConfig): string | null {
  const p = crossFieldProblems(config).find((m) => m.startsWith(`${key}:`));
  return p ? p.slice(key.length + 1).trim() : null;
}
