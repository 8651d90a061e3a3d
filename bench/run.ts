/**
 * `npm run bench`: engine throughput on every backend Chromium offers, the tf.layers peer,
 * the real app's first-point latency and main-thread long tasks, and the Node CLI path.
 *
 *   npm run bench                      # full run (tens of minutes on 2 cores)
 *   npm run bench -- --quick           # under two minutes: fewer steps, fewer cases
 *   npm run bench -- --backends wasm,webgl   # browser backends to time (default: all four)
 *   npm run bench -- --no-app --no-node      # parts to skip (also --no-browser)
 *   npm run bench -- --experiments           # candidate engine changes vs the engine (tiny)
 *   npm run bench -- --profile-app           # also profile the app's main thread (top functions)
 *   npm run bench -- --node-backends wasm,webgpu   # Node backends (default wasm,cpu,webgpu)
 *   npm run bench -- --no-torch              # without the PyTorch peer (default: where torch is)
 *   npm run bench -- --gpu                   # bench/gpu.sh: Node WebGPU only, tiny/small/resnet
 *                                            # at batch 64 and 256, PyTorch CUDA where present
 *   npm run bench -- --load                  # a busy-loop child per core beside the app runs
 *   npm run bench -- --interact              # the app runs: Features in view, method switch, λ moved
 *
 * Writes bench/results/<timestamp>.json (every raw figure, the machine) and prints a markdown
 * table and the budget lines (PASS/FAIL). Exits 0 even when a budget fails: it is a report.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Browser, chromium } from '@playwright/test';
import type { PreviewServer, ViteDevServer } from 'vite';
import { chromiumPath, WEBGPU_ARGS } from '../e2e/browser';
import type { NodeBackendName } from '../src/engine/nodeBackend';
import type { BackendName } from '../src/protocol';
import { DATASETS_DIR } from '../test/shared';
import { type AppPlan, type AppResult, measureApp } from './app';
import type { BenchModel, ModelPlan } from './engineBench';
import { EXPERIMENTS } from './experiments';
import { type NodePlanKey, type NodeResult, runNodeBench } from './nodeBench';
import type { BrowserBackendResult, BrowserJob } from './protocol';
import { budgetLines, type Results, renderTables } from './report';
import { startTorchPeer } from './torchPeer';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BROWSER_BACKENDS: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

interface AppRun {
  /** ?backend=webgpu: the app uses the (software) WebGPU adapter instead of passing it over. */
  forceWebGpu: boolean;
  evalEvery: number;
  /** 'dev': the Vite dev server (React development build); 'prod': `vite build` + preview. */
  build: 'dev' | 'prod';
}

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backends: { type: 'string' },
    port: { type: 'string', default: '4180' },
    'no-app': { type: 'boolean', default: false },
    'no-node': { type: 'boolean', default: false },
    'no-browser': { type: 'boolean', default: false },
    experiments: { type: 'boolean', default: false },
    'profile-app': { type: 'boolean', default: false },
    'app-runs': { type: 'string' },
    'app-seconds': { type: 'string' },
    'node-backends': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    gpu: { type: 'boolean', default: false },
    models: { type: 'string' },
    batches: { type: 'string' },
    'row-seconds': { type: 'string' },
    load: { type: 'boolean', default: false },
    interact: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (opt.help) {
  process.stdout.write(
    'npm run bench -- [--quick] [--backends webgpu,wasm,webgl,cpu] [--no-browser] [--no-app] [--no-node] [--experiments] [--profile-app] [--app-runs dev,prod,prod-webgpu] [--app-seconds N] [--load] [--interact] [--node-backends wasm,cpu,webgpu] [--no-torch] [--gpu [--models tiny,small,resnet] [--batches 64,256] [--row-seconds N]] [--port 4180]\n',
  );
  process.exit(0);
}
const quick = opt.quick;
const backends = (opt.backends ?? BROWSER_BACKENDS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as BackendName[];
for (const b of backends) {
  if (!BROWSER_BACKENDS.includes(b)) {
    process.stderr.write(`bench: unknown backend "${b}" (use ${BROWSER_BACKENDS.join(', ')})\n`);
    process.exit(2);
  }
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const started = Date.now();
const since = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const say = (msg: string) => log(`[${since()}] ${msg}`);

// ------------------------------------------------------------------ plans

/**
 * Steps per case. Per-step costs on an idle 2-core machine (SwiftShader), tiny / small:
 * webgpu ~1 s / ~4 s, webgl ~0.2 s / ~1 s, wasm ~0.02 s / ~0.15 s, browser cpu ~0.4 s / ~8 s,
 * Node cpu ~3.5 s / ~38 s. ITRA-c and vanilla-128 cost about twice vanilla.
 */
function plansFor(backend: BackendName | NodePlanKey): ModelPlan[] {
  if (opt.gpu) return gpuPlans();
  const all: ModelPlan['variants'] = [
    'vanilla',
    'itra-c',
    'itra-c-separate',
    'vanilla-128',
    'discern',
    'discern-autodiff',
    'fit',
  ];
  // vanilla-128 everywhere: the ITRA-c budget compares with vanilla at the same images.
  const core: ModelPlan['variants'] = ['vanilla', 'itra-c', 'vanilla-128', 'fit'];
  // Node wasm: the PyTorch peer on one thread beside the engine (dropped where no torch).
  const torch: ModelPlan['variants'] = opt['no-torch'] ? [] : ['torch-vanilla', 'torch-itra-c'];
  const p = (
    model: 'tiny' | 'small',
    warmup: number,
    rounds: number,
    stepsPerRound: number,
    variants: ModelPlan['variants'] = all,
  ): ModelPlan => ({
    model,
    variants: backend === 'node-wasm' ? [...variants, ...torch] : variants,
    warmup,
    rounds,
    stepsPerRound,
  });
  if (opt.experiments) {
    // The engine, each candidate change, and the peer: tiny model, interleaved.
    const variants: ModelPlan['variants'] = [
      'vanilla',
      ...EXPERIMENTS.map((e) => `vanilla+${e}` as const),
      'fit',
    ];
    const slow = backend === 'webgpu' || backend === 'cpu' || backend === 'node-cpu';
    // wasm: long windows, so that a setTimeout chain reaches the nesting level (5) at which
    // browsers clamp it to 4 ms, as it does in a session between eval steps.
    const wasm = backend === 'wasm' || backend === 'node-wasm';
    return [p('tiny', 2, quick ? 3 : 6, wasm ? 25 : slow ? 2 : 5, variants)];
  }
  if (quick) {
    switch (backend) {
      case 'webgpu':
      case 'node-webgpu':
        return [p('tiny', 2, 2, 1, core)];
      case 'webgl':
        return [p('tiny', 2, 2, 2, ['vanilla', 'itra-c', 'itra-c-separate', 'fit'])];
      case 'wasm':
      case 'node-wasm':
        return [p('tiny', 2, 3, 4), p('small', 1, 2, 2, core)];
      case 'cpu':
        return [p('tiny', 1, 2, 1, core)];
      case 'node-cpu':
        return [p('tiny', 1, 1, 1, ['vanilla', 'itra-c'])];
    }
  }
  switch (backend) {
    case 'webgpu':
    case 'node-webgpu':
      return [p('tiny', 2, 3, 2), p('small', 1, 2, 1, core)];
    case 'webgl':
      return [p('tiny', 3, 5, 5), p('small', 2, 3, 2)];
    case 'wasm':
    case 'node-wasm':
      return [p('tiny', 3, 6, 10), p('small', 2, 5, 4)];
    case 'cpu':
      return [p('tiny', 2, 4, 2), p('small', 1, 2, 1, core)];
    case 'node-cpu':
      // small: the peer takes ~50 s a step (tfjs's cpu filter gradient): 2 timed steps, no
      // warm-up.
      return [p('tiny', 1, 2, 1), p('small', 0, 1, 2, core)];
  }
}

/**
 * bench/gpu.sh: Node WebGPU rows for a real GPU, every model at every batch, each row with a
 * time budget (the whole run within 8 minutes); --quick: one timed step a round (SwiftShader).
 */
function gpuPlans(): ModelPlan[] {
  const models = (opt.models ?? 'tiny,small,resnet').split(',') as BenchModel[];
  const batches = (opt.batches ?? '64,256').split(',').map(Number);
  const rows = models.length * batches.length;
  const budgetMs = Number(opt['row-seconds'] ?? Math.floor(360 / rows)) * 1000;
  const torch: ModelPlan['variants'] = opt['no-torch'] ? [] : ['torch-vanilla', 'torch-itra-c'];
  return models.flatMap((model) =>
    batches.map(
      (batch): ModelPlan => ({
        model,
        batch,
        variants: [
          'vanilla',
          'itra-c',
          'vanilla-128',
          ...(model === 'resnet' ? [] : (['fit'] as const)),
          ...torch,
        ],
        warmup: quick ? 1 : 3,
        rounds: quick ? 2 : 6,
        stepsPerRound: quick ? 1 : 10,
        budgetMs,
      }),
    ),
  );
}

/** Tensor-growth run: the real session loop, ITRA-c, eval every 10 steps. */
function growthFor(backend: BackendName | NodePlanKey): BrowserJob['growth'] {
  if (opt.experiments) return undefined;
  if (opt.gpu) return quick ? undefined : { model: 'tiny', steps: 300, evalEvery: 10 };
  if (quick) {
    return backend === 'wasm' || backend === 'node-wasm'
      ? { model: 'tiny', steps: 60, evalEvery: 10 }
      : undefined;
  }
  // 300 steps where a step is fast (wasm); fewer where an ITRA-c step takes ~0.3 s or more.
  const steps =
    backend === 'webgpu' || backend === 'node-webgpu'
      ? 30
      : backend === 'wasm' || backend === 'node-wasm'
        ? 300
        : 100;
  return { model: 'tiny', steps, evalEvery: 10 };
}

// ------------------------------------------------------------------ data

async function datasetJob(): Promise<BrowserJob['data']> {
  const { missingFiles, availableFiles } = await import('../server/cache');
  let missing = await missingFiles('fmnist');
  const shared = resolve(ROOT, '../shared/datasets');
  if (missing.length && existsSync(resolve(shared, 'fashion-mnist'))) {
    say(`importing Fashion-MNIST from ${shared} into the dev server's cache`);
    execFileSync('npx', ['tsx', 'cli/data.ts', 'import', shared, '--dataset', 'fmnist'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    missing = await missingFiles('fmnist');
  }
  if (missing.length) {
    say(`Fashion-MNIST is missing (${missing.join(', ')}): using synthetic data`);
    return { kind: 'synthetic' };
  }
  const files = (await availableFiles('fmnist')).map((f) => f.name);
  return { kind: 'server', id: 'fmnist', files };
}

// ------------------------------------------------------------------ browser

async function startVite(port: number): Promise<ViteDevServer> {
  // Vite 8 lists the config's extension-less imports for its future native loader: not ours.
  process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= 'true';
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: resolve(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    clearScreen: false,
    server: { port, host: '127.0.0.1', strictPort: true, hmr: false },
    optimizeDeps: {
      // Pre-bundle what the bench worker imports, so that no mid-run re-optimisation reloads it.
      entries: ['index.html', 'bench/index.html', 'bench/benchWorker.ts', 'src/worker/worker.ts'],
    },
  });
  await server.listen();
  return server;
}

/** The production build (`vite build` into a temporary folder) behind `vite preview`. */
async function startPreview(port: number): Promise<PreviewServer> {
  const { preview } = await import('vite');
  const outDir = mkdtempSync(resolve(os.tmpdir(), 'itra-bench-dist-'));
  previewDir = outDir;
  say(`app: building the production bundle into ${outDir}`);
  // A child process: this one's NODE_ENV is 'development' once a dev server ran in it, and
  // Vite would then bundle React's development build.
  const env = { ...process.env };
  delete env.NODE_ENV;
  execFileSync(
    'npx',
    ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--sourcemap', '--logLevel', 'error'],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const common = {
    configFile: resolve(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn' as const,
  };
  return preview({
    ...common,
    build: { outDir },
    preview: { port, host: '127.0.0.1', strictPort: true },
  });
}

async function runBackend(
  browser: Browser,
  base: string,
  backend: BackendName,
  data: BrowserJob['data'],
): Promise<BrowserBackendResult | { requested: BackendName; error: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[bench')) say(t);
  });
  try {
    await page.goto(`${base}/bench/index.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const job: BrowserJob = {
      backend,
      data,
      plans: plansFor(backend),
      growth: growthFor(backend),
    };
    // A hung worker must not hang the bench: give up after a generous limit.
    const limitMs = (quick ? 10 : 60) * 60_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no result within ${limitMs / 60_000} min`)),
        limitMs,
      );
    });
    try {
      return await Promise.race([page.evaluate((j) => window.runBench(j), job), timeout]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    return { requested: backend, error: (e as Error).message.split('\n')[0] ?? String(e) };
  } finally {
    await context.close();
  }
}

// ------------------------------------------------------------------ main

const results: Results = {
  startedAt: new Date(started).toISOString(),
  mode: opt.gpu ? 'gpu' : opt.experiments ? 'experiments' : quick ? 'quick' : 'full',
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGB: Math.round(os.totalmem() / 1e9),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg(),
  },
  browser: [],
  app: [],
};

let vite: ViteDevServer | null = null;
let preview: PreviewServer | null = null;
let previewDir: string | null = null;
let browser: Browser | null = null;
const loadProcs: ChildProcess[] = [];
const cleanup = async () => {
  for (const p of loadProcs.splice(0)) p.kill();
  await browser?.close().catch(() => {});
  browser = null;
  await vite?.close().catch(() => {});
  vite = null;
  await preview?.close().catch(() => {});
  preview = null;
  if (previewDir) rmSync(previewDir, { recursive: true, force: true });
  previewDir = null;
};
process.on('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});

try {
  const wantBrowser = !opt.gpu && !opt['no-browser'] && backends.length > 0;
  const wantApp = !opt.gpu && !opt['no-app'];
  if (wantBrowser || wantApp) {
    const data = await datasetJob();
    results.dataset = data.kind === 'server' ? 'fmnist' : 'synthetic';
    const port = Number(opt.port);
    vite = await startVite(port);
    const base = `http://127.0.0.1:${port}`;
    say(`vite dev server on ${base}`);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: WEBGPU_ARGS });
    results.machine.chromium = browser.version();
    if (wantBrowser) {
      for (const b of backends) {
        say(`browser: ${b}`);
        results.browser.push(await runBackend(browser, base, b, data));
      }
    }
    if (wantApp) {
      // The app picks its own backend, in the same Chromium (WebGPU flags): it passes over the
      // SwiftShader adapter and trains on wasm, where points arrive several times a second,
      // the hardest case for the charts. Full runs also force WebGPU (?backend=webgpu).
      const runs: AppRun[] = [
        { forceWebGpu: false, evalEvery: 10, build: 'dev' },
        { forceWebGpu: false, evalEvery: 10, build: 'prod' },
      ];
      if (!quick) runs.push({ forceWebGpu: true, evalEvery: 2, build: 'prod' });
      const runName = (r: AppRun) => `${r.build}${r.forceWebGpu ? '-webgpu' : ''}`;
      const only = opt['app-runs']?.split(',').map((s) => s.trim());
      const chosen = only
        ? [...runs, { forceWebGpu: true, evalEvery: 2, build: 'prod' } as AppRun].filter(
            (r, i, all) =>
              only.includes(runName(r)) && all.findIndex((o) => runName(o) === runName(r)) === i,
          )
        : runs;
      // --load: a busy-loop child per core beside the app, as on a laptop busy with other work.
      if (opt.load) {
        for (let i = 0; i < os.cpus().length; i++)
          loadProcs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
        results.load = `${loadProcs.length} busy-loop processes (one per core) during the app runs`;
        say(`app: ${results.load}`);
      }
      for (const run of chosen) {
        const plan: AppPlan = {
          trainSeconds: opt['app-seconds'] ? Number(opt['app-seconds']) : quick ? 10 : 30,
          evalEvery: run.evalEvery,
          profile: opt['profile-app'],
          build: run.build,
          backend: run.forceWebGpu ? 'webgpu' : undefined,
          interact: opt.interact,
        };
        let url = base;
        if (run.build === 'prod') {
          preview ??= await startPreview(port + 1);
          url = `http://127.0.0.1:${port + 1}`;
        }
        say(
          `app (${run.build}${run.forceWebGpu ? ', ?backend=webgpu' : ''}): Train to first point, then long tasks over ${plan.trainSeconds} s`,
        );
        results.app.push(
          await measureApp(browser, url, plan, say).catch(
            (e: Error): AppResult => ({ error: e.message.split('\n')[0] ?? String(e) }),
          ),
        );
      }
    }
    await cleanup();
  }
  if (!opt['no-node']) {
    const nodeBackends = (opt['node-backends'] ?? (opt.gpu ? 'webgpu' : 'wasm,cpu,webgpu'))
      .split(',')
      .map((s) => s.trim()) as NodeBackendName[];
    say(`node: ${nodeBackends.join(', ')} (setupNodeBackend)`);
    results.node = (await runNodeBench({
      quick,
      backends: nodeBackends,
      plansFor,
      growthFor,
      say,
      torch: async (backend) => {
        if (opt['no-torch']) return null;
        const { PYTHON } = await import('../test/python');
        if (!PYTHON) return null;
        // Beside wasm: PyTorch's CPU on one thread; beside WebGPU: its CUDA device, if any.
        const device = backend === 'webgpu' ? 'cuda' : 'cpu';
        if (backend === 'cpu') return null;
        // The shared copy where the engine's rows found theirs, else the product's cache.
        const { cacheRoot } = await import('../server/cache');
        const shared = resolve(DATASETS_DIR);
        return startTorchPeer({
          python: PYTHON.python,
          dataDir: existsSync(shared) ? shared : cacheRoot(),
          device,
          threads: 1,
        });
      },
    })) satisfies NodeResult;
  }
} finally {
  await cleanup();
}

results.machine.loadAverageAtEnd = os.loadavg();
results.finishedAt = new Date().toISOString();
results.seconds = (Date.now() - started) / 1000;

const dir = resolve(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = resolve(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);

process.stdout.write(`${renderTables(results)}\n`);
process.stdout.write(`${budgetLines(results).join('\n')}\n\n`);
process.stdout.write(`Raw figures: ${file}\n`);
process.exit(0);
