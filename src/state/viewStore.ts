/** Chart view preferences (not part of a run's setup): kept in localStorage, not the URL. */
import { create } from 'zustand';

interface ViewPrefs {
  /** EMA weight, 0 = raw. */
  smoothing: number;
  /** Log scale on the cross-entropy charts. */
  logCE: boolean;
  /** The "More metrics" row (Gini, KL, learning rate) is open. */
  moreMetrics: boolean;
  /** Runs that differ only by seed drawn as one mean line with a ± sd band. */
  groupSeeds: boolean;
}

export interface ViewState extends ViewPrefs {
  set(patch: Partial<ViewPrefs>): void;
}

const KEY = 'itra-playground:view';

function read(): ViewPrefs {
  const d: ViewPrefs = { smoothing: 0.6, logCE: false, moreMetrics: false, groupSeeds: false };
  try {
    const o = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}') as Partial<ViewPrefs>;
    return {
      smoothing:
        typeof o.smoothing === 'number' && o.smoothing >= 0 && o.smoothing < 1
          ? o.smoothing
          : d.smoothing,
      logCE: typeof o.logCE === 'boolean' ? o.logCE : d.logCE,
      moreMetrics: typeof o.moreMetrics === 'boolean' ? o.moreMetrics : d.moreMetrics,
      groupSeeds: typeof o.groupSeeds === 'boolean' ? o.groupSeeds : d.groupSeeds,
    };
  } catch {
    return d;
  }
}

export const useViewStore = create<ViewState>()((set, get) => ({
  ...read(),
  set(patch) {
    set(patch);
    try {
      const { smoothing, logCE, moreMetrics, groupSeeds } = get();
      const prefs = { smoothing, logCE, moreMetrics, groupSeeds };
      globalThis.localStorage?.setItem(KEY, JSON.stringify(prefs));
    } catch {
      // Private mode or quota: the preference just isn't remembered.
    }
  },
}));
