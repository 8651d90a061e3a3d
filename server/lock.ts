/**
 * An exclusive lock per cache file across processes (the dev server, `npm run data`, a
 * second server sharing the cache). proper-lockfile: an atomic mkdir of `<file>.lock` whose
 * mtime the holder refreshes, so a lock left by a killed process goes stale and is taken
 * over, while a live holder (however slow its download) keeps it.
 */
import lockfile from 'proper-lockfile';

export interface LockOptions {
  signal?: AbortSignal;
  /** Called once when another process (or request) holds the lock and we wait for it. */
  onWait?: () => void;
}

const STALE_MS = 10_000;
const POLL_MS = 50;

/**
 * Runs `fn` holding the lock on `file` (which need not exist). `fn` gets a signal that fires
 * if the lock is lost (its mtime could not be kept fresh) and `waited`: whether someone else
 * held it first, so `fn` should look again for what they may have written.
 */
export async function withFileLock<T>(
  file: string,
  fn: (lost: AbortSignal, waited: boolean) => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const lost = new AbortController();
  let waited = false;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        stale: STALE_MS,
        update: STALE_MS / 5,
        onCompromised: (e) => lost.abort(new Error(`lost the lock on ${file}: ${e.message}`)),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (!waited) opts.onWait?.();
      waited = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await fn(lost.signal, waited);
  } finally {
    await release().catch(() => {});
  }
}
