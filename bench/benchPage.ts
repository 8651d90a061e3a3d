/**
 * The bench page: runs one job in a fresh module worker and hands the result to the Node
 * driver (bench/run.ts calls `window.runBench(job)`). Progress goes to the console.
 */
import type { BrowserBackendResult, BrowserJob, FromBenchWorker } from './protocol';

declare global {
  interface Window {
    runBench(job: BrowserJob): Promise<BrowserBackendResult>;
  }
}

window.runBench = (job) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./benchWorker.ts', import.meta.url), { type: 'module' });
    const finish = () => worker.terminate();
    worker.onmessage = (ev: MessageEvent<FromBenchWorker>) => {
      const m = ev.data;
      if (m.type === 'log') console.log(`[bench ${job.backend}] ${m.msg}`);
      else if (m.type === 'done') {
        finish();
        resolve(m.result);
      } else {
        finish();
        reject(new Error(m.message));
      }
    };
    worker.onerror = (ev) => {
      finish();
      reject(new Error(`bench worker failed to load: ${ev.message || 'unknown error'}`));
    };
    worker.postMessage(job);
  });

document.getElementById('status')!.textContent = 'ready';
