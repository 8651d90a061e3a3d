/**
 * Where tests find ../shared (real datasets and golden cases). Users and some machines do not
 * have it: tests that need it skip with a message that says so.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DIR = process.env.ITRA_SHARED_DIR ?? resolve(REPO_ROOT, '../shared');
export const GOLDEN_FILE = resolve(SHARED_DIR, 'golden/itra_mmd_cases.json');
export const DATASETS_DIR = resolve(SHARED_DIR, 'datasets');

export const hasGolden = existsSync(GOLDEN_FILE);
export const hasDatasets = existsSync(DATASETS_DIR);
export const hasKmnist = existsSync(resolve(DATASETS_DIR, 'kmnist/t10k-images-idx3-ubyte.gz'));

export const SKIP_NO_SHARED = `skipped: ${SHARED_DIR} not found (real data and golden cases live beside the repo in ../shared)`;
