/**
 * Light, dark or the system's: `data-theme` on <html> pins color-scheme (styles.css), which
 * every colour follows through light-dark(). Applied before the first render (main.tsx), from
 * a module: the CSP allows no inline script.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'itra-playground:theme';

export function storedTheme(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

export function setTheme(choice: ThemeChoice): void {
  applyTheme(choice);
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Private mode: the choice lasts this visit only.
  }
}
