/** The sweep queue: done, running, waiting; cancel one, cancel all, pause and resume. */
import { sweepQueue, useSweepQueue } from '../state/sweepQueue';
import { isActiveItem, isPending, type SweepItem } from '../state/sweepQueueCore';

const STATE_TEXT: Record<SweepItem['state'], string> = {
  waiting: 'waiting',
  starting: 'starting',
  running: 'running',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

export function SweepQueueView() {
  const items = useSweepQueue((s) => s.items);
  const sweeps = useSweepQueue((s) => s.sweeps);
  const paused = useSweepQueue((s) => s.paused);
  const notice = useSweepQueue((s) => s.notice);
  const q = sweepQueue.getState;

  const done = items.filter((i) => i.state === 'done').length;
  const running = items.filter(isActiveItem).length;
  const waiting = items.filter((i) => i.state === 'waiting').length;
  const pending = items.some(isPending);

  return (
    <section
      className="sweep-queue"
      aria-label="Sweep queue"
      data-done={done}
      data-running={running}
      data-waiting={waiting}
      data-paused={paused}
    >
      <div className="sweep-queue-head">
        <span className="sweep-counts" aria-live="polite">
          {items.length === 0
            ? 'Nothing queued.'
            : `${done} done · ${running} running · ${waiting} waiting${paused && pending ? ' · on hold' : ''}`}
        </span>
        <div className="panel-head-actions">
          {paused ? (
            <button
              type="button"
              className="btn small"
              disabled={!pending}
              onClick={() => q().resume()}
            >
              Continue sweep
            </button>
          ) : (
            <button
              type="button"
              className="btn small"
              disabled={!pending}
              title="Pauses the sweep: stops the run in progress (it runs again from the start on Continue)"
              onClick={() => q().pause()}
            >
              Hold sweep
            </button>
          )}
          <button
            type="button"
            className="btn small"
            disabled={!pending}
            onClick={() => q().cancelAll()}
          >
            Cancel all
          </button>
          <button
            type="button"
            className="btn small"
            disabled={items.length === 0 || items.every(isPending)}
            onClick={() => q().clearFinished()}
          >
            Clear finished
          </button>
        </div>
      </div>
      {notice ? (
        <p role="status" className="note sweep-notice">
          {notice}
        </p>
      ) : null}
      {sweeps.map((sw) => {
        const mine = items.filter((i) => i.sweepId === sw.id);
        if (mine.length === 0) return null;
        return (
          <div key={sw.id} className="sweep-block">
            <div className="sweep-label" title={sw.createdAt}>
              sweep {sw.id.slice(0, 4)} · {sw.label}
            </div>
            <ol className="sweep-items" aria-label={`Runs of sweep ${sw.id.slice(0, 4)}`}>
              {mine.map((i) => (
                <li key={i.runId} className={`sweep-item state-${i.state}`} data-state={i.state}>
                  <span className={`badge status-${badge(i)}`}>{STATE_TEXT[i.state]}</span>
                  <span className="sweep-item-name" title={i.name}>
                    {i.name.replace(/^sweep \w+: /, '')}
                  </span>
                  {i.state === 'done' && i.status === 'diverged' ? (
                    <span className="badge status-diverged">diverged</span>
                  ) : null}
                  {isPending(i) ? (
                    <button
                      type="button"
                      className="link-btn"
                      aria-label={`Cancel ${i.name}`}
                      onClick={() => q().cancel(i.runId)}
                    >
                      Cancel
                    </button>
                  ) : null}
                </li>
              ))}
            </ol>
          </div>
        );
      })}
    </section>
  );
}

function badge(i: SweepItem): string {
  if (isActiveItem(i)) return 'running';
  if (i.state === 'done') return 'completed';
  if (i.state === 'failed') return 'error';
  return i.state === 'waiting' ? 'paused' : 'stopped';
}
