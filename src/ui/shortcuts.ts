/**
 * Keyboard shortcuts. Each presses the very button it names (so it is refused exactly when
 * the button is disabled), and none fires while the user types in a field.
 */
import { togglePause } from '../state/session';

export interface Shortcut {
  keys: string[];
  label: string;
}

/** What the "?" overlay lists (ShortcutsHelp). */
export const SHORTCUTS: Shortcut[] = [
  { keys: ['T'], label: 'Train (start a run)' },
  { keys: ['Space', 'P'], label: 'Pause / Resume' },
  { keys: ['S'], label: 'One step (while paused)' },
  { keys: ['R'], label: 'Reset (the curves stay in the runs panel)' },
  { keys: ['?'], label: 'Show these shortcuts' },
  { keys: ['← →'], label: 'On a focused chart: move the readout' },
];

/** Presses `[data-shortcut=name]` (a TrainBar button): a disabled one ignores the press. */
function press(name: string): void {
  document.querySelector<HTMLButtonElement>(`[data-shortcut="${name}"]`)?.click();
}

/** Where keys are text or already mean something. */
function typing(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return (
    t.isContentEditable ||
    t instanceof HTMLInputElement ||
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement
  );
}

/** Space toggles pause unless focus is somewhere Space already means something. */
function spaceBelongsToTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t instanceof HTMLInputElement && t.type === 'range') return false;
  return (
    typing(t) ||
    t instanceof HTMLButtonElement ||
    t.tagName === 'SUMMARY' ||
    t.getAttribute('role') === 'button'
  );
}

/** The window's keydown handler; `openHelp` shows the overlay. */
export function shortcutHandler(openHelp: () => void): (e: KeyboardEvent) => void {
  return (e) => {
    if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    // A modal dialog (the overlay) has the keyboard to itself.
    if (document.querySelector('dialog[open]')) return;
    if (e.code === 'Space' || e.key === ' ') {
      if (spaceBelongsToTarget(e.target)) return;
      e.preventDefault(); // no page scroll
      togglePause();
      return;
    }
    if (typing(e.target)) return;
    const action = ({ t: 'train', p: 'pause', s: 'step', r: 'reset' } as const)[
      e.key.toLowerCase() as 't' | 'p' | 's' | 'r'
    ];
    if (e.key === '?') {
      e.preventDefault();
      openHelp();
    } else if (action === 'pause') {
      togglePause();
    } else if (action) {
      press(action);
    }
  };
}
