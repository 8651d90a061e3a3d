/**
 * The real app (index.html on the Vite dev server): the time from pressing Train, with the
 * dataset already loaded, to the first point plotted in the test-accuracy chart, and the main
 * thread's long tasks (PerformanceObserver 'longtask', > 50 ms) while training with the charts
 * live. Settings come from the URL query string, as a shared link would give them.
 */
import type { Browser, Page } from '@playwright/test';

export interface AppPlan {
  /** Seconds of training observed after the first point. */
  trainSeconds: number;
  evalEvery: number;
  /** Record a main-thread CPU profile over the window (slows the page a little). */
  profile?: boolean;
  build: 'dev' | 'prod';
  /** ?backend= on the page URL (the app's own choice when absent). */
  backend?: 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  /** Use the app during the window: Features panel in view, a method switch, λ moved. */
  interact?: boolean;
}

/** What a user does while a run trains, spread over the window (`ms`). */
async function interact(page: Page, ms: number, say: (msg: string) => void) {
  const t0 = Date.now();
  const at = (share: number) => page.waitForTimeout(Math.max(0, t0 + share * ms - Date.now()));
  const steps: [number, string, () => Promise<unknown>][] = [
    [
      0.1,
      'Features panel in view',
      () => page.getByRole('region', { name: 'Features' }).scrollIntoViewIfNeeded(),
    ],
    [
      0.3,
      'method → vanilla',
      () => page.getByRole('combobox', { name: 'Method', exact: true }).selectOption('vanilla'),
    ],
    [
      0.5,
      'method → ITRA-c',
      () => page.getByRole('combobox', { name: 'Method', exact: true }).selectOption('itra-c'),
    ],
    [0.7, 'λ → 1.2', () => page.getByRole('slider', { name: 'λ', exact: true }).fill('1.2')],
    [0.8, 'charts in view', () => page.locator('.charts').scrollIntoViewIfNeeded()],
  ];
  for (const [share, what, act] of steps) {
    await at(share);
    await act().catch((e: Error) =>
      say(`app: could not do "${what}": ${e.message.split('\n')[0]}`),
    );
  }
  await at(1);
}

/** Self time of one function over the window (from a CPU profile). */
export interface HotFunction {
  fn: string;
  where: string;
  selfMs: number;
  share: number;
}

export interface LongTask {
  /** ms since Train was pressed. */
  at: number;
  duration: number;
}

export type AppResult =
  | {
      url: string;
      /** 'dev': Vite dev server (React development build); 'prod': production bundle. */
      build: 'dev' | 'prod';
      backend: string;
      evalEvery: number;
      /** Pressing Train to the first point in the test-accuracy chart (data already loaded). */
      firstPointMs: number;
      /** Loading the dataset before (Download button: server, browser cache, parse in the worker). */
      datasetLoadMs: number;
      /** Long tasks from pressing Train to the end of the window. */
      longTasks: LongTask[];
      /** Of those, the ones after the first point (charts live). */
      longTasksAfterFirstPoint: number;
      /** Sum of the long tasks' durations over the window: the main thread's blocked share. */
      blockedShare: number;
      windowSeconds: number;
      /** Points in the test-accuracy chart at the end of the window. */
      points: number;
      /** The status bar's steps/s readout at the end. */
      stepsPerSec: string;
      /** Main-thread frames: rAF callbacks counted over the window, and the longest gap. */
      frames: number;
      maxFrameGapMs: number;
      /** With --profile-app: the main thread's top functions and modules by self time. */
      hot?: { functions: HotFunction[]; modules: HotModule[] };
    }
  | { error: string };

declare global {
  interface Window {
    __bench?: {
      longTasks: { start: number; duration: number }[];
      frames: number;
      maxGap: number;
      lastFrame: number;
    };
  }
}

export async function measureApp(
  browser: Browser,
  base: string,
  plan: AppPlan,
  say: (msg: string) => void,
): Promise<AppResult> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => say(`app page error: ${e.message}`));
  // tsx compiles this file with esbuild's keepNames: functions sent to the page call __name.
  await page.addInitScript('globalThis.__name = (fn) => fn;');
  await page.addInitScript(() => {
    const b = { longTasks: [], frames: 0, maxGap: 0, lastFrame: 0 } as NonNullable<
      Window['__bench']
    >;
    window.__bench = b;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  try {
    const query = new URLSearchParams({
      dataset: 'fmnist',
      model: 'tiny',
      method: 'itra-c',
      evalEvery: String(plan.evalEvery),
      evalSize: '500',
      maxSteps: '0',
      ...(plan.backend ? { backend: plan.backend } : {}),
    });
    const url = `${base}/?${query}`;
    await page.goto(url);
    // Load the dataset first (dev server, then the browser cache), as a user would.
    const download = page.getByRole('button', { name: 'Download Fashion-MNIST' });
    await download.waitFor();
    const l0 = Date.now();
    await download.click();
    await page.locator('.dataset-state', { hasText: 'loaded:' }).waitFor({ timeout: 120_000 });
    const datasetLoadMs = Date.now() - l0;
    const train = page.getByRole('button', { name: 'Train', exact: true });
    await page.waitForFunction(
      () => {
        const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Train');
        const stat = document.querySelector('[data-stat="backend"] .stat-v')?.textContent ?? '';
        return b && !b.disabled && stat !== '' && !stat.startsWith('starting');
      },
      undefined,
      { timeout: 120_000 },
    );
    await train.waitFor();
    const backend =
      (await page.locator('[data-stat="backend"] .stat-v').textContent())?.trim() ?? '';
    say(`app: dataset loaded in ${datasetLoadMs} ms; backend ${backend}; pressing Train`);
    // Press Train and wait for the first point, timed inside the page.
    const first = await page.evaluate(
      () =>
        new Promise<{ t0: number; firstPointMs: number }>((resolve, reject) => {
          const fig = () =>
            document.querySelector<HTMLElement>('figure[aria-label="Test accuracy chart"]');
          const points = () => Number(fig()?.dataset.points ?? 0);
          const button = [...document.querySelectorAll('button')].find(
            (x) => x.textContent === 'Train',
          );
          if (!button) return reject(new Error('no Train button'));
          const b = window.__bench!;
          const frame = (t: number) => {
            if (b.lastFrame) b.maxGap = Math.max(b.maxGap, t - b.lastFrame);
            b.lastFrame = t;
            b.frames++;
            requestAnimationFrame(frame);
          };
          const t0 = performance.now();
          const obs = new MutationObserver(() => {
            if (points() > 0) {
              obs.disconnect();
              resolve({ t0, firstPointMs: performance.now() - t0 });
            }
          });
          obs.observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            attributeFilter: ['data-points'],
          });
          button.click();
          requestAnimationFrame(frame);
          setTimeout(() => reject(new Error('no point within 180 s of pressing Train')), 180_000);
        }),
    );
    say(`app: first point ${first.firstPointMs.toFixed(0)} ms after Train`);
    const cdp = plan.profile ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    if (plan.interact) await interact(page, plan.trainSeconds * 1000, say);
    else await page.waitForTimeout(plan.trainSeconds * 1000);
    let hot: ReturnType<typeof analyzeProfile> | undefined;
    if (cdp) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      hot = analyzeProfile(profile, await sourceResolver(profile));
    }
    const end = await page.evaluate(() => {
      const fig = document.querySelector<HTMLElement>('figure[aria-label="Test accuracy chart"]');
      return {
        now: performance.now(),
        points: Number(fig?.dataset.points ?? 0),
        stepsPerSec:
          document.querySelector('[data-stat="steps/s"] .stat-v')?.textContent?.trim() ?? '',
        bench: window.__bench!,
      };
    });
    await page
      .getByRole('button', { name: 'Pause', exact: true })
      .click({ timeout: 5000 })
      .catch(() => {});
    const longTasks = end.bench.longTasks
      .filter((t) => t.start >= first.t0)
      .map((t) => ({ at: t.start - first.t0, duration: t.duration }));
    return {
      url,
      build: plan.build,
      backend,
      evalEvery: plan.evalEvery,
      firstPointMs: first.firstPointMs,
      datasetLoadMs,
      longTasks,
      longTasksAfterFirstPoint: longTasks.filter((t) => t.at >= first.firstPointMs).length,
      blockedShare: longTasks.reduce((x, t) => x + t.duration, 0) / (end.now - first.t0),
      windowSeconds: (end.now - first.t0) / 1000,
      points: end.points,
      stepsPerSec: end.stepsPerSec,
      frames: end.bench.frames,
      maxFrameGapMs: end.bench.maxGap,
      hot,
    };
  } finally {
    await context.close();
  }
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Maps a generated position to its original source file (a bundle's source map). */
type Resolver = (url: string, line: number, column: number) => string | undefined;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a source map's `mappings` into, per generated line, [column, source index] pairs. */
function decodeMappings(mappings: string): Array<Array<[number, number]>> {
  const lines: Array<Array<[number, number]>> = [];
  let src = 0;
  for (const line of mappings.split(';')) {
    const segs: Array<[number, number]> = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const vals: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += vals[0] ?? 0;
      if (vals.length > 1) {
        src += vals[1] ?? 0;
        segs.push([col, src]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** Fetches `<script>.map` for every bundled script in the profile (production build only). */
async function sourceResolver(profile: CpuProfile): Promise<Resolver> {
  const maps = new Map<string, { sources: string[]; lines: Array<Array<[number, number]>> }>();
  const urls = new Set(
    profile.nodes.map((n) => n.callFrame.url).filter((u) => /\/assets\/.*\.js$/.test(u)),
  );
  for (const url of urls) {
    const res = await fetch(`${url}.map`).catch(() => null);
    if (!res?.ok) continue;
    const map = (await res.json()) as { sources: string[]; mappings: string };
    maps.set(url, { sources: map.sources, lines: decodeMappings(map.mappings) });
  }
  return (url, line, column) => {
    const m = maps.get(url);
    const segs = m?.lines[line];
    if (!m || !segs?.length) return undefined;
    let best: [number, number] | undefined;
    for (const seg of segs) {
      if (seg[0] > column) break;
      best = seg;
    }
    return best ? m.sources[best[1]] : undefined;
  };
}

/** A module's name for grouping: the package for node_modules, else the repo path. */
function moduleOf(file: string): string {
  const clean = file.replace(/^(\.\.\/)+/, '').replace(/\?.*$/, '');
  const nm = clean.match(
    /node_modules\/(?:\.vite\/deps\/)?((?:@[^/]+\/)?[^/_.-]+[^/]*?)(?:\/|\.js|$)/,
  );
  if (nm)
    return nm[1]!.replace(/[-_][A-Za-z0-9]{8}$/, '').replace(/_client$|_jsx-dev-runtime$/, '');
  return clean;
}

export interface HotModule {
  module: string;
  selfMs: number;
  share: number;
}

/** Bottom-up self time per function and per module, top 15, idle and program left out. */
function analyzeProfile(
  profile: CpuProfile,
  resolveSource: Resolver,
): { functions: HotFunction[]; modules: HotModule[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const mods = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!);
    const dt = deltas[i + 1] ?? 0;
    if (!node) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += dt;
    const file =
      resolveSource(url, lineNumber, columnNumber) ??
      url.replace(/^https?:\/\/[^/]+\//, '').replace(/\?.*$/, '');
    const where = file ? `${file.replace(/^(\.\.\/)+/, '')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const e = fns.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    e.us += dt;
    fns.set(key, e);
    const mod = file ? moduleOf(file) : functionName;
    mods.set(mod, (mods.get(mod) ?? 0) + dt);
  }
  const functions = [...fns.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, 15)
    .map((e) => ({
      fn: e.fn,
      where: e.where,
      selfMs: e.us / 1000,
      share: total ? e.us / total : 0,
    }));
  const modules = [...mods]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([module, us]) => ({ module, selfMs: us / 1000, share: total ? us / total : 0 }));
  return { functions, modules };
}
