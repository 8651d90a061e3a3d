/** A run's Resume and "Export with weights" buttons (when it has a checkpoint). */
import type { RunRecord } from '../engine/runRecord';
import { useCheckpoints } from '../state/checkpoints';
import { canResume, resumeRun } from '../state/resume';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { exportWithWeights } from '../state/weightsFile';

export function RunActions({ record: r }: { record: RunRecord }) {
  const step = useCheckpoints((s) => s.steps[r.id]);
  const live = useTrainingStore((s) => s.runIds);
  const phase = useTrainingStore((s) => s.phase);
  if (step === undefined) return null;
  const resumable = canResume(r, isActive(phase) ? live : []);
  const at = step > 0 ? ` from step ${step}` : '';
  return (
    <>
      {resumable ? (
        <button
          type="button"
          className="btn small"
          aria-label={`Resume ${r.name}`}
          disabled={isActive(phase)}
          title={
            isActive(phase)
              ? 'A run is in progress: Reset it first'
              : `Continue this run${at} on the same batches`
          }
          onClick={() => void resumeRun(r.id)}
        >
          Resume
        </button>
      ) : null}
      <button
        type="button"
        className="btn small"
        aria-label={`Export with weights: ${r.name}`}
        title={`The run file with its checkpoint${at}: import it back to resume, or npm run train -- --resume FILE`}
        onClick={() => void exportWithWeights(r.id)}
      >
        Export with weights
      </button>
    </>
  );
}
