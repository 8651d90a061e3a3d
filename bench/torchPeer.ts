/**
 * The PyTorch peer (bench/torch_peer.py) as Runners for benchModel: one Python process, one
 * JSON line per command, so that its windows interleave with the engine's own rounds. Found
 * where a Python with torch is (test/python.ts: $ITRA_PYTHON, python3, /usr/bin/python3).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../src/engine/config';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface TorchInfo {
  torch: string;
  device: string;
  deviceName: string;
  threads: number;
  flushDenormal: boolean;
  python: string;
  /** Which Python ran it. */
  executable: string;
}

export interface TorchPeer {
  info: TorchInfo;
  make(id: string, config: TrainConfig): Promise<{ source: string; train: number }>;
  /**
   * Wall ms for `steps` steps (batches drawn inside the window, synchronised at both ends)
   * and the peer process's CPU ms over the same window (time.process_time).
   */
  run(id: string, steps: number): Promise<{ ms: number; cpuMs: number }>;
  denormals(id: string): Promise<{ subnormalShare: number; meanAbs: number }>;
  /** Self CPU ms per op and step (torch.profiler), most first. */
  profile(id: string, steps: number): Promise<{ name: string; selfMs: number; calls: number }[]>;
  dispose(id: string): Promise<void>;
  close(): void;
}

/** Starts the peer; null and a reason when there is no Python with torch (or no CUDA asked for). */
export async function startTorchPeer(opts: {
  python: string;
  dataDir?: string;
  device: 'cpu' | 'cuda';
  threads?: number;
  flushDenormal?: boolean;
}): Promise<TorchPeer | { error: string }> {
  const args = [resolve(HERE, 'torch_peer.py'), '--device', opts.device];
  if (opts.dataDir) args.push('--data-dir', opts.dataDir);
  args.push('--threads', String(opts.threads ?? 1));
  if (opts.flushDenormal) args.push('--flush-denormal');
  const child: ChildProcessWithoutNullStreams = spawn(opts.python, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    // One thread also for the libraries under torch (OpenMP, MKL): the engine's wasm has one.
    // glibc's malloc kept from handing ITRA-c's large temporaries back to the kernel: else every
    // step faults them in afresh (~15k page faults, 30-100 ms of system time a small step,
    // swinging with the machine's load); the engine's wasm memory is never handed back either.
    env: {
      ...process.env,
      OMP_NUM_THREADS: String(opts.threads ?? 1),
      MALLOC_MMAP_THRESHOLD_: String(2 ** 30),
      MALLOC_TRIM_THRESHOLD_: String(2 ** 32),
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<string>((r) => child.on('exit', (code) => r(`exited ${code}`)));
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () =>
    Promise.race([
      new Promise<string>((r) => waiting.push(r)),
      exited.then((why) => {
        throw new Error(`torch peer ${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      }),
    ]);
  const ask = async (msg: object): Promise<Record<string, unknown>> => {
    child.stdin.write(`${JSON.stringify(msg)}\n`);
    const out = JSON.parse(await next()) as Record<string, unknown>;
    if (out.error) throw new Error(`torch peer: ${out.error}`);
    return out;
  };
  let ready: Record<string, unknown>;
  try {
    ready = JSON.parse(await next()) as Record<string, unknown>;
  } catch (e) {
    child.kill();
    return { error: (e as Error).message };
  }
  if (!ready.ready) {
    child.kill();
    return { error: String(ready.error ?? 'the peer did not start') };
  }
  return {
    info: { ...(ready as unknown as TorchInfo), executable: opts.python },
    async make(id, config) {
      const r = await ask({ cmd: 'make', id, config });
      return { source: String(r.source), train: Number(r.train) };
    },
    async run(id, steps) {
      const r = await ask({ cmd: 'run', id, steps });
      return { ms: Number(r.ms), cpuMs: Number(r.cpuMs) };
    },
    async denormals(id) {
      const r = await ask({ cmd: 'denormals', id });
      return { subnormalShare: Number(r.subnormalShare), meanAbs: Number(r.meanAbs) };
    },
    async profile(id, steps) {
      return (await ask({ cmd: 'profile', id, steps })).ops as {
        name: string;
        selfMs: number;
        calls: number;
      }[];
    },
    async dispose(id) {
      await ask({ cmd: 'dispose', id });
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}
