/** Number formatting for readouts (fixed locale so screenshots and tests are stable). */
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const fmtInt = (n: number) => intFmt.format(n);

export function fmtNum(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return n.toExponential(2);
  return Number.parseFloat(n.toFixed(digits)).toString();
}

export function fmtPct(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${(n * 100).toFixed(digits)}%`;
}

/** Signed, with a real minus sign: "+0.012", "−0.140". */
export function fmtSigned(n: number | null, digits = 3, unit = ''): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const s = Math.abs(n).toFixed(digits);
  return `${n < 0 ? '−' : '+'}${s}${unit}`;
}

export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n >= 100 ? fmtInt(n) : n.toFixed(n >= 10 ? 1 : 2);
}

/** Byte sizes: the app's one formatter (MB = 10^6), shared with the CLIs. */
export { formatBytes, formatDuration, formatRate } from '../data/bytes';
