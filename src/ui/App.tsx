/** Layout and global keys. */
import { useEffect } from 'react';
import { initApp, togglePause } from '../state/session';
import { initSweepQueue } from '../state/sweepQueue';
import { Alerts } from './Alerts';
import { Charts } from './Charts';
import { ChartWarmup } from './ChartWarmup';
import { Controls } from './Controls';
import { DatasetPanel } from './DatasetPanel';
import { RunsPanel } from './RunsPanel';
import { BackendBanner, StatusBar } from './StatusBar';
import { SweepPanel } from './SweepPanel';
import { SweepResults } from './SweepResults';
import { TrainBar } from './TrainBar';

/** Space toggles pause unless focus is somewhere Space already means something. */
function spaceBelongsToTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLInputElement) return t.type !== 'range';
  return (
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement ||
    t instanceof HTMLButtonElement ||
    t.tagName === 'SUMMARY' ||
    t.getAttribute('role') === 'button'
  );
}

export function App() {
  useEffect(() => {
    initApp();
    initSweepQueue();
    const onKey = (e: KeyboardEvent) => {
      if (e.code !== 'Space' && e.key !== ' ') return;
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey) return;
      if (spaceBelongsToTarget(e.target)) return;
      e.preventDefault(); // no page scroll
      togglePause();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>ITRA Playground</h1>
          <span className="tagline">
            In-Training Representation Alignment, live in your browser
          </span>
        </div>
        <StatusBar />
      </header>
      <BackendBanner />
      <div className="layout">
        <aside className="sidebar">
          <TrainBar />
          <Controls />
        </aside>
        <main className="main">
          <Alerts />
          <Charts />
          <ChartWarmup />
          <SweepPanel />
          <SweepResults />
          <div className="bottom-panels">
            <RunsPanel />
            <DatasetPanel />
          </div>
        </main>
      </div>
    </div>
  );
}
