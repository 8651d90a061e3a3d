/** Train / Pause / Resume / Step / Reset; keyboard shortcuts in shortcuts.ts. */
import { crossFieldProblems } from '../engine/config';
import { useConfigStore } from '../state/configStore';
import { useDatasetStore } from '../state/datasetStore';
import { pause, reset, resume, stepOnce } from '../state/session';
import { sweepRunning, trainByHand, useSweepQueue } from '../state/sweepQueue';
import { isActive, useTrainingStore } from '../state/trainingStore';

const PHASE_TEXT = {
  idle: 'Ready',
  starting: 'Starting…',
  running: 'Training',
  paused: 'Paused',
  finished: 'Finished',
} as const;

export function TrainBar() {
  const phase = useTrainingStore((s) => s.phase);
  const workerState = useTrainingStore((s) => s.workerState);
  const datasetBusy = useDatasetStore((s) => s.task !== null);
  const active = isActive(phase);
  const cannotTrain = workerState === 'failed';
  // Settings that do not fit together: Train stays pressable and answers with the same message.
  const settingsProblem = useConfigStore((s) => crossFieldProblems(s.config).join('; '));
  const sweep = useSweepQueue(sweepRunning);

  return (
    <div className="trainbar" role="toolbar" aria-label="Training">
      <button
        type="button"
        className="btn primary"
        data-shortcut="train"
        aria-keyshortcuts="t"
        onClick={() => void trainByHand()}
        disabled={active || cannotTrain || datasetBusy}
        title={
          cannotTrain
            ? 'No compute backend: see the alert'
            : sweep
              ? 'A sweep is running: hold it in the Sweep panel to train by hand'
              : active
                ? 'A run is in progress: Reset first to start a new one'
                : settingsProblem
                  ? `Fix the settings first: ${settingsProblem}`
                  : 'Start a run from new weights'
        }
      >
        Train
      </button>
      <button
        type="button"
        className="btn"
        onClick={pause}
        disabled={phase !== 'running'}
        aria-keyshortcuts="Space p"
        title="Pause (Space or P)"
      >
        Pause
      </button>
      <button
        type="button"
        className="btn"
        onClick={resume}
        disabled={phase !== 'paused'}
        aria-keyshortcuts="Space p"
        title="Resume (Space or P)"
      >
        Resume
      </button>
      <button
        type="button"
        className="btn"
        onClick={stepOnce}
        disabled={phase !== 'paused'}
        data-shortcut="step"
        aria-keyshortcuts="s"
        title="One step while paused (S)"
      >
        Step
      </button>
      <button
        type="button"
        className="btn"
        onClick={reset}
        disabled={!active && phase !== 'finished'}
        data-shortcut="reset"
        aria-keyshortcuts="r"
        title="Stop and start over: the curves stay in the runs panel (R)"
      >
        Reset
      </button>
      <span className={`phase phase-${phase}`} aria-live="polite">
        {PHASE_TEXT[phase]}
      </span>
    </div>
  );
}
