/** Child process for the manifest test: records N cache entries named `<tag>-<i>` at once. */
import { recordCacheEntry } from '../../server/cache';

const [root, tag, n] = process.argv.slice(2);
await Promise.all(
  Array.from({ length: Number(n) }, (_, i) =>
    recordCacheEntry(
      'kmnist',
      {
        name: `${tag}-${i}`,
        bytes: i,
        md5: '0'.repeat(32),
        verified: 'unverified',
        source: 'test',
        savedAt: new Date().toISOString(),
      },
      root,
    ),
  ),
);
