/**
 * gunzip with the platform's DecompressionStream (browsers, workers, Node >= 18): native
 * speed, and a stream, so the output can be bounded: reading stops, and the inflate with it,
 * as soon as `maxBytes` is passed (a gzip bomb costs at most that much memory, never what its
 * trailer claims). Bytes that are not gzip pass through untouched, so callers can hand over
 * `.gz` or already-decompressed files alike.
 */
import { formatBytes } from './bytes.ts';
import { DatasetError } from './errors.ts';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes (at most `maxBytes` of output); anything else is returned as is. */
export async function maybeGunzip(
  bytes: Uint8Array,
  file: string,
  maxBytes: number,
): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file, maxBytes) : bytes;
}

export async function gunzip(
  bytes: Uint8Array,
  file: string,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    throw new DatasetError('bad-gzip', `${file} is not gzip data (it does not start with 1f 8b).`, {
      file,
    });
  }
  if (bytes.length < 18) {
    throw new DatasetError(
      'bad-gzip',
      `${file} is cut short (${bytes.length} bytes, less than a gzip header and trailer). Download it again.`,
      { file },
    );
  }
  // The trailer's ISIZE is the decompressed size mod 2^32: preallocate when it is within the
  // bound instead of holding every chunk and then a second full copy. The trailer may lie:
  // a wrong guess just falls back to chunks, still bounded by maxBytes.
  const n = bytes.length;
  const isize =
    (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  let out = isize > 0 && isize <= maxBytes ? new Uint8Array(isize) : new Uint8Array(0);
  let filled = 0;
  let chunks: Uint8Array[] | undefined;
  let total = 0;

  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  // Write errors resurface on the readable side; swallow them here to avoid unhandled rejections.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new DatasetError(
          'too-large',
          `${file} decompresses to more than ${formatBytes(maxBytes)} (the most a ${file.replace(/\.gz$|\.tgz$/, '')} can hold; ` +
            `stopped after ${formatBytes(total)} from a ${formatBytes(bytes.length)} file). It is not an official file; it was not read.`,
          { file },
        );
      }
      if (chunks) {
        chunks.push(value);
      } else if (filled + value.length <= out.length) {
        out.set(value, filled);
        filled += value.length;
      } else {
        chunks = [out.subarray(0, filled), value];
      }
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    const cut = /unexpected end|incomplete|truncat/i.test(why);
    throw new DatasetError(
      'bad-gzip',
      cut
        ? `${file} ends before its gzip stream does (${why}): the file is incomplete or damaged. Download it again.`
        : `${file} is a damaged gzip file (${why}). Download it again, or use the decompressed file.`,
      { file, cause: e },
    );
  }
  if (chunks) {
    out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
  return filled === out.length ? out : out.slice(0, filled);
}
