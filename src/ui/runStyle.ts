/**
 * How a run is drawn: its palette colour as a CSS variable (styles.css gives each a light and
 * a dark value), and a line dash so runs stay apart without colour vision.
 */
import { PALETTE } from '../state/libraryLogic';

/** `var(--run-i)` for a palette colour (it follows the theme); any other colour as it is. */
export function runColor(color: string): string {
  const i = (PALETTE as readonly string[]).indexOf(color.toLowerCase());
  return i < 0 ? color : `var(--run-${i})`;
}

/**
 * Dash patterns, one per position in the runs' order (solid, dashed, dotted, dash-dot, long
 * dash, dash-dot-dot); colours cycle over 10, dashes over 6, so no two of the first 30 runs
 * share both.
 */
export const DASHES = [undefined, '8 4', '2 3', '10 3 2 3', '14 4', '8 3 2 3 2 3'] as const;

/** The class a run's lines carry in a chart's SVG (export picks one run's lines by it). */
export function runLineClass(id: string): string {
  return `run-line-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function runDash(index: number): string | undefined {
  return DASHES[((index % DASHES.length) + DASHES.length) % DASHES.length];
}
