/** Layout and global keys. */
import { useEffect, useState } from 'react';
import { initApp } from '../state/session';
import { initSweepQueue } from '../state/sweepQueue';
import { Alerts } from './Alerts';
import { Charts } from './Charts';
import { ChartWarmup } from './ChartWarmup';
import { Controls } from './Controls';
import { DatasetPanel } from './DatasetPanel';
import { FeaturesPanel } from './features/FeaturesPanel';
import { RunsPanel } from './RunsPanel';
import { ShortcutsHelp } from './ShortcutsHelp';
import { BackendBanner, StatusBar } from './StatusBar';
import { SweepPanel } from './SweepPanel';
import { SweepResults } from './SweepResults';
import { shortcutHandler } from './shortcuts';
import { ThemeToggle } from './ThemeToggle';
import { TrainBar } from './TrainBar';

export function App() {
  const [help, setHelp] = useState(false);
  // Below ~800 px the settings fold into a drawer above the charts (styles.css).
  const [drawer, setDrawer] = useState(false);
  useEffect(() => {
    initApp();
    initSweepQueue();
    const onKey = shortcutHandler(() => setHelp(true));
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
        <div className="topbar-tools">
          <ThemeToggle />
          <button
            type="button"
            className="btn small"
            aria-haspopup="dialog"
            aria-keyshortcuts="?"
            onClick={() => setHelp(true)}
          >
            <span aria-hidden="true">?</span> Shortcuts
          </button>
        </div>
      </header>
      <ShortcutsHelp open={help} onClose={() => setHelp(false)} />
      <BackendBanner />
      <div className="layout">
        <aside className="sidebar">
          <TrainBar />
          <button
            type="button"
            className="btn drawer-toggle"
            aria-expanded={drawer}
            aria-controls="settings-drawer"
            onClick={() => setDrawer(!drawer)}
          >
            <span aria-hidden="true">{drawer ? '▾' : '▸'}</span> Settings
          </button>
          <div id="settings-drawer" className={`settings-drawer${drawer ? ' open' : ''}`}>
            <Controls />
          </div>
        </aside>
        <main className="main">
          <Alerts />
          <Charts />
          <ChartWarmup />
          <FeaturesPanel />
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
