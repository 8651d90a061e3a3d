/**
 * Dataset CLI.
 *   npm run data -- fetch <id…|all> [--force]   download from the publisher into the cache
 *   npm run data -- import <dir> [--dataset <id>] [--depth <n>]   validate and copy local files
 *   npm run data -- list                         what is cached, how it was verified
 * Cache: $ITRA_DATA_CACHE or .data-cache/ at the repo root. $ITRA_DATA_BASE_URL replaces the
 * publishers' URLs (private mirror, tests); $ITRA_DATA_TIMEOUT_MS is the stall timeout.
 *
 * Verification: `fetch` demands the publisher's MD5 of the compressed file. `import` accepts
 * that, or else the MD5 of the decompressed bytes where known (registry `rawMd5`): copies
 * whose .gz was recompressed (a re-packed Fashion-MNIST, say) differ from the official
 * .gz but hold identical bytes. Files no checksum covers (KMNIST train images decompressed,
 * a CIFAR-10 subset archive) are imported on parsing alone and marked 'unverified'.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  availableFiles,
  type CacheEntry,
  cacheDir,
  cacheRoot,
  missingFiles,
  readManifest,
  writeCacheFile,
} from '../server/cache';
import { cachedVerified, type DownloadProgress, fetchDatasetFile } from '../server/download';
import { formatBytes } from '../src/data/bytes';
import type { DatasetId } from '../src/data/dataset';
import { DatasetError, isDatasetError } from '../src/data/errors';
import { maybeGunzip } from '../src/data/gunzip';
import { parseIdxImages, parseIdxLabels } from '../src/data/idx';
import { type FoundFile, findDatasetFiles } from '../src/data/nodeFiles';
import { parseDatasetFiles, verifyDatasetFile } from '../src/data/parse';
import {
  DATASET_IDS,
  DATASETS,
  getDataset,
  isDatasetId,
  matchOfficialName,
} from '../src/data/registry';
import { createProgress } from './progress';

/** MD5 in Node: node:crypto (OpenSSL), no wasm to load. */
const nodeMd5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Redraw the progress bar in place (a terminal) or print occasional lines (a log). */
  tty: boolean;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  tty: Boolean(process.stderr.isTTY),
};

const USAGE = `Usage:
  npm run data -- fetch <id…|all> [--force]
      Download the official files from the publisher into the cache and check their MD5.
  npm run data -- import <dir> [--dataset <id>] [--depth <n>]
      Find official files in <dir> (a folder of yours, e.g. ~/Downloads) and its subfolders,
      validate them, copy them into the cache.
  npm run data -- list
      Show what is cached.
Datasets: ${DATASET_IDS.join(', ')}.  Cache: $ITRA_DATA_CACHE or .data-cache/.
`;

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    (cmd || values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    switch (cmd) {
      case 'fetch':
        return await fetchCmd(rest, Boolean(values.force), io);
      case 'import':
        return await importCmd(rest, values.dataset, Number(values.depth ?? 4), io);
      case 'list':
        return await listCmd(io);
      default:
        io.err(`Unknown command "${cmd}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    io.err(`${isDatasetError(e) ? e.message : ((e as Error).stack ?? String(e))}\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      force: { type: 'boolean' },
      dataset: { type: 'string' },
      depth: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function fetchCmd(ids: string[], force: boolean, io: Io): Promise<number> {
  if (ids.length === 0) {
    io.err(`fetch: which dataset? (${DATASET_IDS.join(', ')}, or all)\n`);
    return 2;
  }
  const list = ids.includes('all') ? [...DATASET_IDS] : ids.map((id) => getDataset(id).id);
  const root = cacheRoot(io.env);
  const failed: DatasetError[] = [];
  for (const id of list) {
    const info = DATASETS[id];
    const have = force ? new Map<string, CacheEntry>() : await cachedVerified(id, root);
    for (const file of info.files) {
      const cached = have.get(file.name);
      if (cached) {
        const how =
          cached.verified === 'official' ? 'official MD5 ok' : 'MD5 of decompressed bytes ok';
        io.err(
          `${info.name}: ${file.name} already cached as ${cached.name} (${how}); --force to download again.\n`,
        );
        continue;
      }
      const bar = createProgress({ write: io.err, tty: io.tty, unit: 'bytes', prefix: '  ' });
      try {
        await fetchDatasetFile(id, file.name, {
          root,
          env: io.env,
          onTry: (url) => bar.line(`${info.name}: ${file.name} ← ${url}`),
          onWait: () => bar.line(`  another process is downloading ${file.name}: waiting for it`),
          onProgress: (p: DownloadProgress) =>
            bar.update(p.loaded, p.total, { from: p.resumedFrom }),
        });
        bar.end();
        io.err(`  MD5 ok → ${path.join(cacheDir(id, root), file.name)}\n`);
      } catch (e) {
        bar.end();
        if (!isDatasetError(e) || e.code === 'aborted') throw e;
        // Keep going: the other files may come from elsewhere (or already be cached).
        for (const r of e.reasons ?? [e.message]) io.err(`  ✗ ${r}\n`);
        failed.push(e);
      }
    }
  }
  if (failed.length === 0) return 0;
  const network = failed.find((e) => e.code === 'network');
  io.err(`\n${failed.length} file(s) not fetched.\n${(network ?? failed[0]).message}\n`);
  return 1;
}

// ------------------------------------------------------------------------------- import

async function folders(dir: string, depth: number): Promise<string[]> {
  const out = [dir];
  if (depth <= 0) return out;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') {
      out.push(...(await folders(path.join(dir, e.name), depth - 1)));
    }
  }
  return out;
}

/** Fashion-MNIST and KMNIST share file names: tell them apart by folder name, then by checksum. */
async function ownerOf(
  folder: string,
  files: FoundFile[],
  candidates: DatasetId[],
): Promise<DatasetId | undefined> {
  if (candidates.length === 1) return candidates[0];
  const lower = folder.toLowerCase();
  const byName = candidates.filter((id) =>
    id === 'fmnist'
      ? /fashion|fmnist/.test(lower)
      : id === 'kmnist'
        ? /kmnist|kuzushiji/.test(lower)
        : /cifar/.test(lower),
  );
  if (byName.length === 1) return byName[0];
  for (const f of files) {
    const bytes = new Uint8Array(await fs.readFile(f.path));
    for (const id of candidates) {
      try {
        const v = await verifyDatasetFile(id, f.name, bytes, { md5Of: nodeMd5 });
        if (v.status !== 'unverified') return id;
      } catch {
        // checksum mismatch for this candidate: try the next
      }
    }
  }
  return undefined;
}

interface Checked {
  found: FoundFile;
  bytes: Uint8Array;
  verified: CacheEntry['verified'];
  md5: string;
  detail: string;
}

async function validateFolder(
  id: DatasetId,
  files: FoundFile[],
): Promise<{ ok: Checked[]; bad: string[] }> {
  const info = DATASETS[id];
  const ok: Checked[] = [];
  const bad: string[] = [];
  const counts = new Map<string, number>();
  for (const f of files) {
    const bytes = new Uint8Array(await fs.readFile(f.path));
    try {
      const v = await verifyDatasetFile(id, f.name, bytes, { md5Of: nodeMd5 });
      let detail = '';
      if (info.format === 'idx') {
        const raw = await maybeGunzip(bytes, f.name, f.file.maxRawBytes);
        if (f.file.slot.endsWith('Images')) {
          const img = parseIdxImages(raw, {
            file: f.name,
            height: info.height,
            width: info.width,
            datasetName: info.name,
          });
          counts.set(f.file.slot, img.count);
          detail = `${img.count.toLocaleString('en-US')} images ${img.height}x${img.width}`;
        } else {
          const labels = parseIdxLabels(raw, { file: f.name, numClasses: info.numClasses });
          counts.set(f.file.slot, labels.length);
          detail = `${labels.length.toLocaleString('en-US')} labels`;
        }
      } else {
        const s = await parseDatasetFiles({ id, files: { [f.name]: bytes }, carve: true });
        detail =
          s.split === 'official'
            ? `${s.train.count.toLocaleString('en-US')} train + ${s.test.count.toLocaleString('en-US')} test images`
            : `${s.train.count + s.test.count} images (one split only)`;
      }
      ok.push({ found: f, bytes, verified: v.status, md5: v.md5, detail });
    } catch (e) {
      if (!isDatasetError(e)) throw e;
      bad.push(`${f.path}: ${e.message}`);
    }
  }
  for (const split of ['train', 'test'] as const) {
    const i = counts.get(`${split}Images`);
    const l = counts.get(`${split}Labels`);
    if (i !== undefined && l !== undefined && i !== l) {
      const err = new DatasetError(
        'count-mismatch',
        `${split} images (${i}) and labels (${l}) counts differ`,
      );
      bad.push(
        `${path.dirname(files[0].path)}: ${err.message}; the ${split} files were not imported.`,
      );
      for (let k = ok.length - 1; k >= 0; k--)
        if (ok[k].found.file.slot.startsWith(split)) ok.splice(k, 1);
    }
  }
  return { ok, bad };
}

async function importCmd(
  args: string[],
  forced: string | undefined,
  depth: number,
  io: Io,
): Promise<number> {
  const [dirArg] = args;
  if (!dirArg) {
    io.err('import: which folder? e.g. npm run data -- import ~/Downloads/fashion-mnist\n');
    return 2;
  }
  const dir = path.resolve(dirArg);
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    io.err(`import: ${dir} is not a folder.\n`);
    return 2;
  }
  if (forced !== undefined && !isDatasetId(forced)) getDataset(forced);
  const ids: DatasetId[] = forced ? [forced as DatasetId] : [...DATASET_IDS];
  const root = cacheRoot(io.env);
  const taken = new Map<DatasetId, Set<string>>();
  let imported = 0;
  let failed = 0;
  for (const folder of await folders(dir, depth)) {
    const byId = new Map<DatasetId, FoundFile[]>();
    for (const id of ids) {
      const found = (await findDatasetFiles(id, folder, 0)).filter(
        (f) => path.dirname(f.path) === folder || f.batch,
      );
      if (found.length > 0) byId.set(id, found);
    }
    if (byId.size === 0) continue;
    const idxIds = [...byId.keys()].filter((id) => DATASETS[id].format === 'idx');
    const owner =
      idxIds.length > 1 ? await ownerOf(folder, byId.get(idxIds[0])!, idxIds) : undefined;
    for (const [id, files] of byId) {
      if (idxIds.length > 1 && id !== owner) {
        if (owner === undefined && id === idxIds[0]) {
          io.err(
            `${folder}: MNIST-style files, but it is not clear whether they are ${idxIds.map((i) => DATASETS[i].name).join(' or ')} ` +
              `(folder name and checksums do not tell). Re-run with --dataset <id>.\n`,
          );
          failed++;
        }
        continue;
      }
      const info = DATASETS[id];
      const slots = taken.get(id) ?? new Set<string>();
      taken.set(id, slots);
      const fresh = files.filter((f) => !slots.has(f.batch ?? f.file.slot));
      if (fresh.length === 0) continue;
      const { ok, bad } = await validateFolder(id, fresh);
      for (const b of bad) io.err(`  ✗ ${b}\n`);
      failed += bad.length;
      if (ok.length === 0) continue;
      const dest = cacheDir(id, root);
      await fs.mkdir(dest, { recursive: true });
      io.out(`${info.name} ← ${folder}\n`);
      for (const c of ok) {
        slots.add(c.found.batch ?? c.found.file.slot);
        // Drop other spellings of the same file (.gz vs decompressed) so the cache is unambiguous.
        for (const other of await findDatasetFiles(id, dest, 0)) {
          if (
            other.name !== c.found.name &&
            (other.batch ?? other.file.slot) === (c.found.batch ?? c.found.file.slot)
          ) {
            await fs.rm(other.path, { force: true });
          }
        }
        await writeCacheFile(
          id,
          c.bytes,
          {
            name: c.found.name,
            bytes: c.bytes.length,
            md5: c.md5,
            verified: c.verified,
            source: c.found.path,
            savedAt: new Date().toISOString(),
          },
          root,
        );
        imported++;
        const how =
          c.verified === 'official'
            ? 'official MD5 ok'
            : c.verified === 'content'
              ? 'MD5 of decompressed bytes ok (recompressed copy)'
              : 'no checksum applies: validated by parsing only';
        io.out(`  ✓ ${c.found.name}: ${c.detail}; ${how}\n`);
      }
    }
  }
  for (const [id] of taken) {
    const missing = await missingFiles(id, root);
    if (missing.length > 0) {
      io.out(
        `${DATASETS[id].name}: still missing ${missing.join(', ')}` +
          ` (the app can carve a train/test split from the split that is present).\n`,
      );
    }
  }
  if (imported === 0 && failed === 0) {
    io.err(
      `import: no official dataset files found in ${dir} (looked ${depth} folder levels deep).\n`,
    );
    return 1;
  }
  io.out(`Imported ${imported} file(s) into ${root}.\n`);
  return failed > 0 ? 1 : 0;
}

// --------------------------------------------------------------------------------- list

async function listCmd(io: Io): Promise<number> {
  const root = cacheRoot(io.env);
  io.out(`Cache: ${root}\n`);
  for (const id of DATASET_IDS) {
    const info = DATASETS[id];
    const files = await availableFiles(id, root);
    const manifest = await readManifest(id, root);
    io.out(`\n${info.name} (${id})\n`);
    if (files.length === 0) io.out('  nothing cached\n');
    for (const f of files) {
      const e = manifest[f.name];
      const how =
        f.where === 'local'
          ? `local install ${path.dirname(f.path)}`
          : (e?.verified ?? 'not in manifest');
      io.out(`  ${f.name.padEnd(30)} ${formatBytes(f.bytes).padStart(9)}  ${how}\n`);
    }
    const missing = await missingFiles(id, root);
    if (files.length > 0 && missing.length > 0) io.out(`  missing: ${missing.join(', ')}\n`);
    const official = new Set(info.files.map((f) => f.name));
    for (const name of Object.keys(manifest)) {
      if (!official.has(name) && !matchOfficialName(id, name))
        io.out(`  (manifest lists unknown ${name})\n`);
    }
  }
  return 0;
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
