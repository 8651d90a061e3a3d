/** Errors and warnings with what to do next. Dismissing one never touches the curves. */
import { useConfigStore } from '../state/configStore';
import { useTrainingStore } from '../state/trainingStore';

export function Alerts() {
  const alerts = useTrainingStore((s) => s.alerts);
  const dismiss = useTrainingStore((s) => s.dismissAlert);
  const urlProblems = useConfigStore((s) => s.urlProblems);
  const dismissUrl = useConfigStore((s) => s.dismissUrlProblems);

  if (alerts.length === 0 && urlProblems.length === 0) return null;
  return (
    <div className="alerts">
      {urlProblems.length ? (
        <div role="alert" className="alert alert-warning">
          <div className="alert-body">
            <strong>Some settings in the link were invalid and were replaced by defaults</strong>
            <ul>
              {urlProblems.map((p) => (
                <li key={p}>
                  <code>{p}</code>
                </li>
              ))}
            </ul>
          </div>
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={dismissUrl}>
            ×
          </button>
        </div>
      ) : null}
      {alerts.map((a) => (
        <div key={a.id} role="alert" className={`alert alert-${a.level}`}>
          <div className="alert-body">
            <strong id={`alert-${slugId(a.id)}`}>{a.title}</strong>
            {a.message ? <p>{a.message}</p> : null}
            {a.hint ? (
              <p className="alert-hint">
                <span className="alert-hint-k">What to do:</span> {a.hint}
              </p>
            ) : null}
            {a.action ? (
              <button
                type="button"
                className="btn small"
                onClick={() => {
                  dismiss(a.id);
                  a.action?.run();
                }}
              >
                {a.action.label}
              </button>
            ) : null}
          </div>
          <button
            type="button"
            className="alert-close"
            aria-label="Dismiss"
            aria-describedby={`alert-${slugId(a.id)}`}
            onClick={() => dismiss(a.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** Alert ids carry run ids and messages: make them safe for id attributes. */
function slugId(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
