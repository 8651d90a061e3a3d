/**
 * The last line: anything thrown while rendering shows what broke, with "Reload" and "Export
 * all runs" (read straight from IndexedDB, so it works when the runs library itself is what
 * broke), instead of a blank page.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import type { RunRecord } from '../engine/runRecord';
import { exportEverything } from '../state/rawRuns';
import { useLibraryStore } from '../state/runsLibrary';

interface State {
  error: Error | null;
  exported: string | null;
}

function inMemoryRuns(): RunRecord[] {
  try {
    return Object.values(useLibraryStore.getState().entries).map((e) => e.record);
  } catch {
    return [];
  }
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null, exported: null };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('The page failed to render:', error, info.componentStack);
  }

  private exportAll = () => {
    exportEverything(inMemoryRuns()).then(
      (n) => this.setState({ exported: `Exported ${n} run${n === 1 ? '' : 's'}.` }),
      (e: Error) => this.setState({ exported: `Export failed: ${e.message}` }),
    );
  };

  override render(): ReactNode {
    const { error, exported } = this.state;
    if (!error) return this.props.children;
    return (
      <main className="crash-page" role="alert">
        <h1>Something broke while drawing the page</h1>
        <p>Your saved runs are still in the browser. Export them to keep a copy, then reload.</p>
        <pre className="crash-detail">{error.message}</pre>
        <p className="msg-actions">
          <button type="button" className="btn" onClick={() => window.location.reload()}>
            Reload
          </button>
          <button type="button" className="btn" onClick={this.exportAll}>
            Export all runs
          </button>
        </p>
        {exported ? <p role="status">{exported}</p> : null}
      </main>
    );
  }
}
