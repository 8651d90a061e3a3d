/**
 * Where tests find a Python with PyTorch and numpy (the exported train.py's requirements):
 * $ITRA_PYTHON, else `python3` on the PATH, else Debian's /usr/bin/python3 (`apt-get install
 * python3-torch`, which .ci/run does). Tests that need it skip with a message saying so.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

function hasTorch(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

function findPython(): { python: string; torch: string } | null {
  const candidates = [process.env.ITRA_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => Boolean(p),
  );
  for (const python of candidates) {
    const torch = hasTorch(python);
    if (torch) return { python, torch };
  }
  return null;
}

export const PYTHON = findPython();

export const SKIP_NO_TORCH =
  'skipped: no Python with PyTorch and numpy found ($ITRA_PYTHON, python3, /usr/bin/python3); ' +
  'on Debian/Ubuntu: apt-get install python3-torch';

/** A TCP port free right now on localhost (for a rendezvous). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * torchrun as `python -m torch.distributed.run`, with the same Python, on one node with a
 * rendezvous on `port` (--standalone would take the fixed 29400). `--redirects 1 --tee 1`
 * works around torch 1.13's launcher on Python 3.11, whose default "0" no longer parses
 * (enum.Flag iteration skips the zero member); stdout is teed, stderr passes through.
 */
export function torchrunArgs(nproc: number, logDir: string, port: number): string[] {
  return [
    '-m',
    'torch.distributed.run',
    '--nnodes',
    '1',
    '--rdzv_backend',
    'c10d',
    '--rdzv_endpoint',
    `127.0.0.1:${port}`,
    '--rdzv_id',
    `itra-test-${port}`,
    '--nproc_per_node',
    String(nproc),
    '--redirects',
    '1',
    '--tee',
    '1',
    '--log_dir',
    logDir,
  ];
}
