/**
 * The one progress display of `npm run train`, `npm run data` and the dev server's dataset
 * downloads. On a terminal: a bar redrawn in place, at most ~10 times a second. Otherwise
 * (a log, CI, the dev server's logger): a plain line per tenth of the way, never a
 * carriage return. Phase lines ("reading files…") print above the bar.
 */
import { formatBytes, formatDuration, formatRate } from '../src/data/bytes.ts';

export interface ProgressOptions {
  /** Where text goes (stderr for the CLIs). */
  write: (s: string) => void;
  /** Redraw one line in place (a terminal) or print occasional lines (a log). */
  tty: boolean;
  /** 'bytes' for downloads (sizes, MB/s), 'steps' for training (step/max, steps/s). */
  unit: 'bytes' | 'steps';
  /** Written before each line and the bar, e.g. "kmnist/t10k-images-idx3-ubyte.gz: ". */
  prefix?: string;
  /** For tests. */
  now?: () => number;
  /** Least time between two redraws on a terminal (default 100 ms). */
  intervalMs?: number;
}

export interface Progress {
  /** `done` of `total` (unknown: undefined); `from`: units that were there before (resume). */
  update(
    done: number,
    total?: number,
    opts?: { from?: number; note?: string; force?: boolean },
  ): void;
  /** A line of its own above the bar: a phase, a warning. */
  line(text: string): void;
  /** Ends the bar (a newline after it on a terminal). */
  end(): void;
}

const BAR = 30;

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 100;
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  let drawn = false;
  let text = '';

  const format = (done: number, total: number | undefined, from: number, note?: string) => {
    const secs = Math.max((now() - started) / 1000, 1e-3);
    const rate = (done - from) / secs;
    const eta = total !== undefined && rate > 0 ? (total - done) / rate : undefined;
    const pct = total ? Math.min(100, (100 * done) / total) : undefined;
    const amount =
      o.unit === 'bytes'
        ? total !== undefined
          ? `${formatBytes(done)} / ${formatBytes(total)}`
          : formatBytes(done)
        : `step ${done}${total !== undefined ? `/${total}` : ''}`;
    const speed =
      o.unit === 'bytes' ? formatRate(rate) : `${rate.toFixed(rate >= 10 ? 0 : 1)} steps/s`;
    const parts = [
      pct === undefined ? undefined : `${pct.toFixed(0).padStart(3)}%`,
      amount,
      speed,
      `elapsed ${formatDuration(secs)}`,
      eta === undefined ? undefined : `ETA ${formatDuration(eta)}`,
      note,
    ].filter(Boolean);
    return { pct, text: parts.join('  ') };
  };

  return {
    update(done, total, opts = {}) {
      const t = now();
      const finished = total !== undefined && done >= total;
      if (o.tty) {
        if (!finished && !opts.force && t - lastDraw < interval) return;
        lastDraw = t;
        const f = format(done, total, opts.from ?? 0, opts.note);
        const fill = f.pct === undefined ? 0 : Math.round((f.pct / 100) * BAR);
        text = `${o.prefix ?? ''}[${'#'.repeat(fill)}${'-'.repeat(BAR - fill)}] ${f.text}`;
        o.write(`\r${text}\x1b[K`);
        drawn = true;
      } else {
        // A line per tenth (or per ~10 MB / 10% of steps when the total is unknown).
        const tenth =
          total !== undefined && total > 0
            ? Math.floor((10 * done) / total)
            : Math.floor(done / (o.unit === 'bytes' ? 10e6 : 100));
        if (tenth === lastTenth && !opts.force) return;
        lastTenth = tenth;
        const f = format(done, total, opts.from ?? 0, opts.note);
        o.write(`${o.prefix ?? ''}${f.text}\n`);
      }
    },
    line(s) {
      if (o.tty && drawn) o.write(`\r\x1b[K${s}\n${text}`);
      else o.write(`${s}\n`);
    },
    end() {
      if (o.tty && drawn) o.write('\n');
      drawn = false;
    },
  };
}
