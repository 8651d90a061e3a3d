/**
 * The settings the next run starts with, mirrored to the URL query string so a link
 * reproduces the setup. Live settings (method, the weights, lr, weight decay, estimator) also
 * change here during a run; the session module turns those changes into patches.
 */
import { create } from 'zustand';
import { augmentationDefaults, DEFAULT_CONFIG, type TrainConfig } from '../engine/config';
import {
  DEFAULT_TWIN,
  queryToState,
  stateToQuery,
  type TwinSettings,
  type UrlState,
} from './urlConfig';

export interface ConfigState {
  config: TrainConfig;
  twin: TwinSettings;
  /** Parameters of the opening link that were invalid and replaced by defaults. */
  urlProblems: string[];
  setConfig(patch: Partial<TrainConfig>): void;
  setTwin(patch: Partial<TwinSettings>): void;
  restoreDefaults(): void;
  dismissUrlProblems(): void;
}

const hasWindow = typeof window !== 'undefined' && typeof window.location !== 'undefined';

function initial(): UrlState & { urlProblems: string[] } {
  if (!hasWindow)
    return { config: { ...DEFAULT_CONFIG }, twin: { ...DEFAULT_TWIN }, urlProblems: [] };
  const parsed = queryToState(window.location.search);
  return { config: parsed.config, twin: parsed.twin, urlProblems: parsed.problems };
}

/** Enforces cross-field rules the controls rely on (the ResNet is a CIFAR-10 model). */
function coherent(c: TrainConfig): TrainConfig {
  return c.model === 'resnet' && c.dataset !== 'cifar10' ? { ...c, model: 'small' } : c;
}

let urlTimer: ReturnType<typeof setTimeout> | null = null;
function writeUrl(state: UrlState) {
  if (!hasWindow) return;
  // Debounced: a slider drag must not flood the history API (browsers rate-limit it).
  if (urlTimer) clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    urlTimer = null;
    const q = stateToQuery(state, window.location.search);
    const url = `${window.location.pathname}?${q}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', url);
  }, 250);
}

export const useConfigStore = create<ConfigState>()((set, get) => ({
  ...initial(),
  setConfig(patch) {
    const current = get().config;
    // A new dataset brings its augmentation defaults (CIFAR-10 crops and flips, characters
    // are not flipped), unless the same patch sets them.
    const { dataset } = patch;
    const augmentation =
      dataset !== undefined && dataset !== current.dataset ? augmentationDefaults(dataset) : {};
    const config = coherent({ ...current, ...augmentation, ...patch });
    set({ config });
    writeUrl({ config, twin: get().twin });
  },
  setTwin(patch) {
    const twin = { ...get().twin, ...patch };
    set({ twin });
    writeUrl({ config: get().config, twin });
  },
  restoreDefaults() {
    const config = { ...DEFAULT_CONFIG };
    const twin = { ...DEFAULT_TWIN };
    set({ config, twin });
    writeUrl({ config, twin });
  },
  dismissUrlProblems() {
    set({ urlProblems: [] });
  },
}));

// Write the canonical URL once so a link copied right away carries every setting.
if (hasWindow)
  writeUrl({ config: useConfigStore.getState().config, twin: useConfigStore.getState().twin });
