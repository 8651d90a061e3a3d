/**
 * The on-disk dataset cache shared by the CLI and the dev server:
 * `<cache>/<id>/<official file name>` plus `<cache>/<id>/manifest.json` recording how each
 * file was verified and where it came from. `<cache>` is `$ITRA_DATA_CACHE` or `.data-cache/`
 * at the repository root.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetId } from '../src/data/dataset.ts';
import { findDatasetFiles } from '../src/data/nodeFiles.ts';
import { DATASETS, matchOfficialName } from '../src/data/registry.ts';
import { withFileLock } from './lock.ts';

export interface CacheEntry {
  name: string;
  bytes: number;
  md5: string;
  /** 'official': publisher's MD5 of the file; 'content': known MD5 of the decompressed bytes;
   * 'unverified': no checksum applies, validated by parsing only. */
  verified: 'official' | 'content' | 'unverified';
  /** URL or path it came from. */
  source: string;
  savedAt: string;
}

export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.ITRA_DATA_CACHE
    ? path.resolve(env.ITRA_DATA_CACHE)
    : path.join(repoRoot(), '.data-cache');
}

export function cacheDir(id: DatasetId, root = cacheRoot()): string {
  return path.join(root, id);
}

/** System-wide installs we can read instead of downloading (Debian: dataset-fashion-mnist). */
export function localInstallDirs(id: DatasetId): string[] {
  return id === 'fmnist' ? ['/usr/share/datasets/fashion-mnist'] : [];
}

const MANIFEST = 'manifest.json';

export async function readManifest(
  id: DatasetId,
  root = cacheRoot(),
): Promise<Record<string, CacheEntry>> {
  try {
    return JSON.parse(await fs.readFile(path.join(cacheDir(id, root), MANIFEST), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Adds or replaces one file's entry. The read-modify-write runs under the manifest's lock,
 * so two processes finishing different files at once both keep their entries.
 */
export async function recordCacheEntry(
  id: DatasetId,
  entry: CacheEntry,
  root = cacheRoot(),
): Promise<void> {
  const dir = cacheDir(id, root);
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, MANIFEST);
  await withFileLock(target, async () => {
    const manifest = await readManifest(id, root);
    manifest[entry.name] = entry;
    const tmp = `${target}.${process.pid}-${Date.now().toString(36)}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await fs.rename(tmp, target);
  });
}

/**
 * Puts verified bytes into the cache as `name` (an import): under the file's lock, through
 * a temporary file of its own, then the manifest entry.
 */
export async function writeCacheFile(
  id: DatasetId,
  bytes: Uint8Array,
  entry: CacheEntry,
  root = cacheRoot(),
): Promise<void> {
  const dir = cacheDir(id, root);
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, entry.name);
  await withFileLock(target, async () => {
    const tmp = `${target}.${process.pid}-${Date.now().toString(36)}.part`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, target);
  });
  await recordCacheEntry(id, entry, root);
}

export interface AvailableFile {
  name: string;
  path: string;
  bytes: number;
  /** 'cache' or the local install folder. */
  where: 'cache' | 'local';
  entry?: CacheEntry;
}

/** The official files of `id` present in the cache, then in local installs, one per slot. */
export async function availableFiles(id: DatasetId, root = cacheRoot()): Promise<AvailableFile[]> {
  const manifest = await readManifest(id, root);
  const out: AvailableFile[] = [];
  const slots = new Set<string>();
  const add = (files: Awaited<ReturnType<typeof findDatasetFiles>>, where: 'cache' | 'local') => {
    for (const f of files) {
      const key = f.batch ?? f.file.slot;
      if (slots.has(key)) continue;
      slots.add(key);
      out.push({ name: f.name, path: f.path, bytes: f.size, where, entry: manifest[f.name] });
    }
  };
  add(await findDatasetFiles(id, cacheDir(id, root)), 'cache');
  // Packages may nest the files one or two folders down.
  for (const dir of localInstallDirs(id)) add(await findDatasetFiles(id, dir, 2), 'local');
  return out;
}

/** Path of `name` (an official name) in the cache or a local install, if present. */
export async function findAvailable(
  id: DatasetId,
  name: string,
  root = cacheRoot(),
): Promise<AvailableFile | undefined> {
  if (!matchOfficialName(id, name)) return undefined;
  return (await availableFiles(id, root)).find((f) => f.name === name);
}

/** Official file names of `id` that no cached or local file stands for. */
export async function missingFiles(id: DatasetId, root = cacheRoot()): Promise<string[]> {
  const have = new Set(
    (await availableFiles(id, root)).map((f) => matchOfficialName(id, f.name)!.file.slot),
  );
  return DATASETS[id].files.filter((f) => !have.has(f.slot)).map((f) => f.name);
}
