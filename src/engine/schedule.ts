/**
 * The learning-rate schedule as a factor of the (live) learning rate: the rate of step t
 * (0-based, the t-th update) is lr · warmupFactor(t) · shapeFactor(t). A live change of lr
 * therefore rescales the whole schedule from the next step on.
 *   constant: 1
 *   step:     γ^(number of milestones ≤ t)                          (PyTorch's MultiStepLR)
 *   cosine:   floor + (1 − floor) · (1 + cos(π · min(t, T) / T)) / 2, T = maxSteps
 *                                                       (CosineAnnealingLR, η_min = floor · lr)
 *   warm-up:  (t + 1) / N for t < N, then 1                (linear, from lr/N up to lr)
 */
import type { TrainConfig } from './config';

export type ScheduleSettings = Pick<
  TrainConfig,
  'lrSchedule' | 'lrMilestones' | 'lrGamma' | 'lrFloor' | 'lrWarmup' | 'maxSteps'
>;

export function scheduleFactor(s: ScheduleSettings, step: number): number {
  const warm = s.lrWarmup > 0 && step < s.lrWarmup ? (step + 1) / s.lrWarmup : 1;
  let shape = 1;
  if (s.lrSchedule === 'step') {
    let passed = 0;
    for (const m of s.lrMilestones) if (step >= m) passed++;
    shape = s.lrGamma ** passed;
  } else if (s.lrSchedule === 'cosine' && s.maxSteps > 0) {
    const t = Math.min(step, s.maxSteps) / s.maxSteps;
    shape = s.lrFloor + ((1 - s.lrFloor) * (1 + Math.cos(Math.PI * t))) / 2;
  }
  return warm * shape;
}

/** The learning rate in force at `step`. */
export function effectiveLearningRate(s: ScheduleSettings & { lr: number }, step: number): number {
  return s.lr * scheduleFactor(s, step);
}
