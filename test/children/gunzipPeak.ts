/**
 * Child process for the gzip-bomb test: gunzips one file with a bound and prints, as JSON,
 * the peak resident memory before and after (process.resourceUsage().maxRSS) and the error.
 * Run in its own process so the measurement is not shared with other tests.
 */
import fs from 'node:fs';
import { gunzip } from '../../src/data/gunzip';

const [file, name, max] = process.argv.slice(2);
const bytes = new Uint8Array(fs.readFileSync(file));
const before = process.resourceUsage().maxRSS * 1024;
let error: { code?: string; message: string } | undefined;
let outBytes = 0;
try {
  outBytes = (await gunzip(bytes, name, Number(max))).length;
} catch (e) {
  error = { code: (e as { code?: string }).code, message: (e as Error).message };
}
const after = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ before, after, outBytes, error }));
