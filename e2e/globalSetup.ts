/**
 * Before the e2e tests: import the real datasets of ../shared into the cache the preview
 * server serves (as a user would with `npm run data -- import <dir>`). Where ../shared is
 * absent, the data-dependent tests skip with a message that says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DATASETS_DIR, hasKmnist } from '../test/shared';

export default function globalSetup() {
  if (!hasKmnist) {
    console.warn(`e2e: ${DATASETS_DIR} not found; tests that need real data will skip.`);
    return;
  }
  const cache = resolve(process.env.ITRA_DATA_CACHE ?? '.data-cache');
  if (existsSync(resolve(cache, 'kmnist')) && existsSync(resolve(cache, 'fmnist'))) return;
  execFileSync('npx', ['tsx', 'cli/data.ts', 'import', DATASETS_DIR], {
    stdio: 'inherit',
    env: { ...process.env, ITRA_DATA_CACHE: cache },
  });
}
