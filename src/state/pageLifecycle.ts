/**
 * What happens when the page goes away (closed, reloaded, navigated, or hidden on a phone,
 * where pagehide may never come): the live runs' pending points are written to IndexedDB at
 * once. Others hook in with onPageHide (e.g. a checkpoint request to the worker).
 */
import { installRunLocks } from './runLocks';
import { flushNow } from './streamFlush';

const hooks: (() => void)[] = [];
let installed = false;

/** Runs `fn` whenever the page is hidden or hidden for good. */
export function onPageHide(fn: () => void): void {
  hooks.push(fn);
}

function pageHidden() {
  void flushNow();
  for (const fn of hooks) fn();
}

/** Installs the listeners once (main.tsx). */
export function installPageLifecycle(): void {
  if (installed || typeof window === 'undefined') return;
  installed = true;
  installRunLocks();
  window.addEventListener('pagehide', pageHidden);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') pageHidden();
  });
}
