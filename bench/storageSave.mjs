/**
 * The main-thread cost of one run save in real Chromium IndexedDB: the whole record (the first
 * layout) against one chunk of new points (runChunks.ts). `put()` structured-clones its value
 * on the calling thread, so its call time is main-thread time.
 * Usage: npm run build && npx vite preview --port 4320 &  node bench/storageSave.mjs [port]
 */

import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const port = process.argv[2] ?? '4320';
const executablePath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${port}/favicon.svg`);
const out = await page.evaluate(async () => {
  const point = (s) => ({
    ...{ step: s, epoch: s / 100, intraDist: 0.5, testAcc: 0.8, testCE: 0.4, trainCE: 0.5 },
    ...{ match: 0.1, gini: null, kl: null, lr: 0.01, sigma: 2, lambdaEff: 0.6, method: 'itra-c' },
    ...{ samplesPerSec: 100, wallMs: s * 10, silhouette: 0.2 },
    confusion: Array.from({ length: 10 }, () => Array(10).fill(3)),
    classAcc: Array(10).fill(0.8),
    classIntra: Array(10).fill(0.5),
  });
  // A PCA frame of the default 500-image embedding subset.
  const frame = (s) => ({
    step: s,
    method: 'pca',
    xy: Array.from({ length: 1000 }, () => Math.random()),
    pred: Array(500).fill(3),
  });
  const db = await new Promise((res) => {
    const r = indexedDB.open('bench-save', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onsuccess = () => res(r.result);
  });
  const put = (v, k) =>
    new Promise((res) => {
      const t = db.transaction('s', 'readwrite');
      const t0 = performance.now();
      t.objectStore('s').put(v, k);
      const call = performance.now() - t0;
      t.oncomplete = () => res([call, performance.now() - t0]);
    });
  const median = (a, j) =>
    a
      .map((x) => x[j])
      .sort((p, q) => p - q)[2]
      .toFixed(2);
  const results = {};
  for (const [np, nf] of [
    [250, 0],
    [1000, 0],
    [1000, 300],
  ]) {
    const rec = {
      points: Array.from({ length: np }, (_, i) => point(i * 4)),
      embeddings: Array.from({ length: nf }, (_, i) => frame(i * 40)),
    };
    const mb = (new Blob([JSON.stringify(rec)]).size / 1e6).toFixed(1);
    const whole = [];
    const chunk = [];
    for (let i = 0; i < 5; i++) whole.push(await put({ record: rec }, 'whole'));
    for (let i = 0; i < 5; i++) chunk.push(await put([point(np * 4 + i)], `chunk${i}`));
    results[`${np} points, ${nf} frames (${mb} MB as JSON)`] = {
      wholeRecord: `put() ${median(whole, 0)} ms, transaction ${median(whole, 1)} ms`,
      oneChunk: `put() ${median(chunk, 0)} ms, transaction ${median(chunk, 1)} ms`,
    };
  }
  return results;
});
console.log(JSON.stringify(out, null, 1));
await browser.close();
