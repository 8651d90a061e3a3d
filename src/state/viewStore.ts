/** Chart view preferences (not part of a run's setup): kept in localStorage, not the URL. */
import { create } from 'zustand';

export interface ViewState {
  /** EMA weight, 0 = raw. */
  smoothing: number;
  /** Log scale on the cross-entropy charts. */
  logCE: boolean;
  set(patch: Partial<Pick<ViewState, 'smoothing' | 'logCE'>>): void;
}

const KEY = 'itra-playground:view';

function read(): Pick<ViewState, 'smoothing' | 'logCE'> {
  const d = { smoothing: 0.6, logCE: false };
  try {
    const o = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}') as Partial<typeof d>;
    return {
      smoothing:
        typeof o.smoothing === 'number' && o.smoothing >= 0 && o.smoothing < 1
          ? o.smoothing
          : d.smoothing,
      logCE: typeof o.logCE === 'boolean' ? o.logCE : d.logCE,
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
      const { smoothing, logCE } = get();
      globalThis.localStorage?.setItem(KEY, JSON.stringify({ smoothing, logCE }));
    } catch {
      // Private mode or quota: the preference just isn't remembered.
    }
  },
}));
