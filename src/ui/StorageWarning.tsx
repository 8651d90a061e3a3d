/**
 * What the runs library could not do, and what the user can do about it: runs not saved
 * (named, with their size; export them, try again), stored runs that could not be read
 * (export or delete each), another tab's newer version, other storage failures.
 */
import { unsavedMessage } from '../state/runSaver';
import { useLibraryStore } from '../state/runsLibrary';

export function StorageWarning() {
  const unsaved = useLibraryStore((s) => s.unsaved);
  const quarantined = useLibraryStore((s) => s.quarantined);
  const storageError = useLibraryStore((s) => s.storageError);
  const dbNotice = useLibraryStore((s) => s.dbNotice);
  const lib = useLibraryStore.getState;

  return (
    <>
      {dbNotice ? (
        <div role="alert" className="inline-msg error" data-testid="db-notice">
          <span>{dbNotice}</span>
        </div>
      ) : null}
      {unsaved.length ? (
        <div role="alert" className="inline-msg error storage-warning">
          <span>{unsavedMessage(unsaved)}</span>
          <span className="msg-actions">
            <button type="button" className="btn small" onClick={() => lib().exportUnsaved()}>
              Export unsaved runs
            </button>
            <button type="button" className="btn small" onClick={() => void lib().retrySaving()}>
              Try again
            </button>
          </span>
        </div>
      ) : null}
      {quarantined.length ? (
        <div role="alert" className="inline-msg error quarantine">
          <span>
            {quarantined.length} run{quarantined.length === 1 ? '' : 's'} could not be read:
          </span>
          <ul aria-label="Runs that could not be read">
            {quarantined.map((q) => (
              <li key={q.id}>
                <span title={q.why}>
                  “{q.name}” ({q.why})
                </span>{' '}
                <button
                  type="button"
                  className="link-btn"
                  aria-label={`Export it: ${q.name}`}
                  onClick={() => lib().exportQuarantined(q.id)}
                >
                  Export it
                </button>{' '}
                /{' '}
                <button
                  type="button"
                  className="link-btn"
                  aria-label={`Delete it: ${q.name}`}
                  onClick={() => lib().deleteQuarantined(q.id)}
                >
                  Delete it
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {storageError ? (
        <div role="alert" className="inline-msg error">
          <span>{storageError}</span>
          <span className="msg-actions">
            {storageError.startsWith('Saved runs could not be loaded') ? (
              <button type="button" className="btn small" onClick={() => void lib().load()}>
                Try again
              </button>
            ) : null}
            <button
              type="button"
              className="alert-close"
              aria-label="Dismiss storage message"
              onClick={() => lib().dismissStorageError()}
            >
              ×
            </button>
          </span>
        </div>
      ) : null}
    </>
  );
}
