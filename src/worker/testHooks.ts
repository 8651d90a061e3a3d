/**
 * The worker's test hooks (e2e: device loss, crash, hang, a read that never returns). Built
 * only with `vite build --mode e2e`: `TEST_HOOKS` is a build-time constant, so a production
 * worker contains none of this (e2e/csp.spec.ts checks the bundle).
 */
import { defaultYield } from '../engine/session';
import type { TestHookMessage } from '../protocol';
import { destroyDevice } from './backend';

export const TEST_HOOKS = import.meta.env.MODE === 'e2e';

let stuck = false;

/** The session's wait between steps; after 'simulate-stuck-read' it never resolves. */
export function hookedYield(): Promise<void> {
  return stuck ? new Promise<void>(() => {}) : defaultYield();
}

export function handleTestHook(msg: TestHookMessage, fail: (message: string) => void): void {
  switch (msg.type) {
    case 'simulate-device-loss':
      if (!destroyDevice()) fail('Not on WebGPU: there is no device to lose.');
      break;
    case 'simulate-crash':
      // Thrown outside any handler: the page's Worker gets an 'error' event, as on a real crash.
      setTimeout(() => {
        throw new Error('Simulated worker crash');
      });
      break;
    case 'simulate-hang':
      // The event loop never comes back (no pong, no step), without spinning a core where the
      // page is cross-origin isolated (the e2e servers send COOP/COEP).
      if (typeof SharedArrayBuffer !== 'undefined') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      }
      for (;;) Math.random();
    case 'simulate-stuck-read':
      stuck = true;
      break;
  }
}
