/**
 * A small reader for ustar/pax/GNU tar archives held in memory. Entries' data are
 * subarrays of the input (no copy), which matters for the 180 MB CIFAR-10 archive.
 */
import { DatasetError } from './errors.ts';

export interface TarEntry {
  /** Full path inside the archive (ustar prefix, pax `path` and GNU long names applied). */
  name: string;
  size: number;
  type: 'file' | 'directory' | 'other';
  /** The entry's bytes, a view into the archive. */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function cstr(b: Uint8Array, o: number, n: number): string {
  let end = o;
  while (end < o + n && b[end] !== 0) end++;
  return decoder.decode(b.subarray(o, end));
}

function octal(b: Uint8Array, o: number, n: number): number {
  // GNU base-256 for sizes >= 8 GiB: high bit of the first byte set.
  if (b[o] & 0x80) {
    let v = b[o] & 0x7f;
    for (let i = 1; i < n; i++) v = v * 256 + b[o + i];
    return v;
  }
  const s = cstr(b, o, n).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return Number.parseInt(s, 8);
}

function isZeroBlock(b: Uint8Array, o: number): boolean {
  for (let i = o; i < o + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Parses pax extended header records: "<len> <key>=<value>\n". */
function paxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = decoder.decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = Number.parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export function readTar(bytes: Uint8Array, file = 'archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  let ended = false;
  while (off + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, off)) {
      ended = true;
      break;
    }
    let sum = 0;
    for (let i = off; i < off + BLOCK; i++) {
      sum += i >= off + 148 && i < off + 156 ? 0x20 : bytes[i];
    }
    const stored = octal(bytes, off + 148, 8);
    if (stored !== sum) {
      throw new DatasetError(
        'bad-archive',
        off === 0
          ? `${file} is not a tar archive (no valid tar header at its start).`
          : `${file} is damaged: the tar header at byte ${off} fails its checksum.`,
        { file },
      );
    }
    const type = String.fromCharCode(bytes[off + 156] || 0x30);
    let size = octal(bytes, off + 124, 12);
    if (pax.size !== undefined) size = Number(pax.size);
    if (!Number.isFinite(size) || size < 0) {
      throw new DatasetError('bad-archive', `${file} is damaged: bad entry size at byte ${off}.`, {
        file,
      });
    }
    const start = off + BLOCK;
    if (start + size > bytes.length) {
      throw new DatasetError(
        'truncated',
        `${file} is truncated: an entry needs ${size} bytes at byte ${start} but the archive ends at ` +
          `${bytes.length}. Download it again.`,
        { file },
      );
    }
    const data = bytes.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;

    let name = cstr(bytes, start - BLOCK, 100);
    if (cstr(bytes, start - BLOCK + 257, 6) === 'ustar') {
      const prefix = cstr(bytes, start - BLOCK + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (pax.path !== undefined) name = pax.path;
    if (longName !== undefined) name = longName;
    longName = undefined;
    pax = {};
    entries.push({
      name,
      size,
      type: type === '0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other',
      data,
    });
  }
  // Strict on purpose: an archive cut exactly between entries would otherwise look complete.
  if (!ended) {
    throw new DatasetError(
      'truncated',
      `${file} is truncated: it ends at byte ${bytes.length} without the tar end-of-archive marker. ` +
        `Download it again.`,
      { file },
    );
  }
  return entries;
}
