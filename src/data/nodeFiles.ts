/**
 * Node only (node:fs): finds and reads a dataset's official files in a folder, for the CLI
 * and the dev server. Kept out of the browser bundle: import it only from cli/ and server/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatasetId } from './dataset.ts';
import { type DatasetFile, matchOfficialName } from './registry.ts';

export interface FoundFile {
  /** File name as found (official name, .gz or not). */
  name: string;
  path: string;
  size: number;
  file: DatasetFile;
  compressed: boolean;
  /** CIFAR-10 loose batch (data_batch_1.bin …). */
  batch?: string;
}

/**
 * Official files of `id` in `dir` and, down to `depth` levels, its subfolders (CIFAR-10's
 * `cifar-10-batches-bin/` is always looked into). The first file found for a slot wins,
 * shallower folders first; a .gz beats its decompressed twin in the same folder.
 */
export async function findDatasetFiles(
  id: DatasetId,
  dir: string,
  depth = 0,
): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const taken = new Set<string>();
  const walk = async (d: string, level: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const matches = entries
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => ({ e, m: matchOfficialName(id, e.name) }))
      .filter((x) => x.m !== undefined)
      .sort((a, b) => Number(b.m!.compressed) - Number(a.m!.compressed));
    for (const { e, m } of matches) {
      const key = m!.batch ?? m!.file.slot;
      if (taken.has(key)) continue;
      const p = path.join(d, e.name);
      const st = await fs.stat(p).catch(() => undefined);
      if (!st?.isFile()) continue;
      taken.add(key);
      found.push({
        name: e.name,
        path: p,
        size: st.size,
        file: m!.file,
        compressed: m!.compressed,
        batch: m!.batch,
      });
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (level < depth || e.name === 'cifar-10-batches-bin')
        await walk(path.join(d, e.name), level + 1);
    }
  };
  await walk(dir, 0);
  // The archive already holds the batches: drop loose ones found beside it.
  if (found.some((f) => f.file.slot === 'archive' && !f.batch))
    return found.filter((f) => !f.batch);
  return found;
}

/** The official files found in `dir` (not its subfolders), read into memory. */
export async function readDatasetDir(
  id: DatasetId,
  dir: string,
): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of await findDatasetFiles(id, dir, 0)) {
    const buf = await fs.readFile(f.path);
    out[f.name] = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return out;
}
