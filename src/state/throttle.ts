/**
 * Leading + trailing throttle: the first call goes out at once, later calls within the
 * interval are coalesced, and the last value is always delivered (a slider drag sends at
 * most 1000/intervalMs patches a second and always ends on the value the user let go at).
 */
export interface Throttled<T> {
  call(value: T): void;
  /** Send a pending value now. */
  flush(): void;
  /** Drop a pending value. */
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
};

export function throttleTrailing<T>(
  fn: (value: T) => void,
  intervalMs: number,
  clock: Clock = realClock,
): Throttled<T> {
  let last = Number.NEGATIVE_INFINITY;
  let timer: unknown = null;
  let pending: { value: T } | null = null;

  const send = () => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = clock.now();
    fn(value);
  };

  return {
    call(value: T) {
      pending = { value };
      const wait = last + intervalMs - clock.now();
      if (wait <= 0 && timer === null) send();
      else if (timer === null) timer = clock.setTimeout(send, Math.max(0, wait));
    },
    flush() {
      if (timer !== null) clock.clearTimeout(timer);
      send();
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}

/**
 * Trailing debounce: delivers the last value once calls have paused for `waitMs` (typing a
 * learning rate sends one patch for "0.005", not one per keystroke).
 */
export function debounceTrailing<T>(
  fn: (value: T) => void,
  waitMs: number,
  clock: Clock = realClock,
): Throttled<T> {
  let timer: unknown = null;
  let pending: { value: T } | null = null;
  const send = () => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    fn(value);
  };
  return {
    call(value: T) {
      pending = { value };
      if (timer !== null) clock.clearTimeout(timer);
      timer = clock.setTimeout(send, waitMs);
    },
    flush() {
      if (timer !== null) clock.clearTimeout(timer);
      send();
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
