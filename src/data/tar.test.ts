import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.ts';
import { readTar } from './tar.ts';

const te = new TextEncoder();

/** A minimal ustar writer, for building test archives byte by byte. */
function header(name: string, size: number, type = '0', prefix = ''): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, o: number) => h.set(te.encode(s), o);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(type, 156);
  put('ustar\0', 257);
  put('00', 263);
  put(prefix, 345);
  put('        ', 148);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function entry(name: string, data: Uint8Array, type = '0', prefix = ''): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return concat([header(name, data.length, type, prefix), padded]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const END = new Uint8Array(1024);

describe('readTar', () => {
  it('reads names, sizes and data without copying', () => {
    const a = te.encode('hello');
    const b = new Uint8Array(1000).map((_, i) => i & 0xff);
    const tar = concat([
      entry('dir/', new Uint8Array(0), '5'),
      entry('dir/a.txt', a),
      entry('b.bin', b),
      END,
    ]);
    const entries = readTar(tar);
    expect(entries.map((e) => [e.name, e.size, e.type])).toEqual([
      ['dir/', 0, 'directory'],
      ['dir/a.txt', 5, 'file'],
      ['b.bin', 1000, 'file'],
    ]);
    expect(new TextDecoder().decode(entries[1].data)).toBe('hello');
    expect(entries[2].data.buffer).toBe(tar.buffer);
    expect(Buffer.compare(entries[2].data, b)).toBe(0);
  });

  it('joins the ustar prefix, and applies pax paths and GNU long names', () => {
    const long = `${'x'.repeat(120)}/file.bin`;
    // A pax record's length counts its own digits: "<len> path=<value>\n".
    const rec = `path=${long}\n`;
    let len = rec.length + 2;
    while (`${len} ${rec}`.length !== len) len++;
    const paxData = te.encode(`${len} ${rec}`);
    const tar = concat([
      entry('name.bin', te.encode('p'), '0', 'some/prefix'),
      entry('PaxHeader', paxData, 'x'),
      entry('short', te.encode('q')),
      entry('././@LongLink', te.encode(`${long}\0`), 'L'),
      entry('trunc', te.encode('r')),
      END,
    ]);
    expect(readTar(tar).map((e) => e.name)).toEqual(['some/prefix/name.bin', long, long]);
  });

  it('rejects a damaged header (checksum), a cut entry and a missing end marker', () => {
    const tar = concat([entry('a', new Uint8Array(2000)), entry('b', new Uint8Array(10)), END]);
    const bad = tar.slice();
    bad[10] ^= 1;
    expect(() => readTar(bad, 'x.tar')).toThrow(/x\.tar is not a tar archive/);
    const bad2 = tar.slice();
    bad2[2560 + 3] ^= 1; // second header
    expect(() => readTar(bad2, 'x.tar')).toThrow(/tar header at byte 2560 fails its checksum/);
    for (const cut of [100, 512 + 700, 2560, 2560 + 300, 2560 + 512 + 100]) {
      let err: unknown;
      try {
        readTar(tar.subarray(0, cut), 'x.tar');
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).code, `cut at ${cut}`).toMatch(/^(truncated|bad-archive)$/);
    }
    expect(() => readTar(tar.subarray(0, 2560 + 1024), 'x.tar')).toThrow(/end-of-archive marker/);
  });

  let hasTar = true;
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
  } catch {
    hasTar = false;
  }
  it.skipIf(!hasTar)(
    'reads archives written by the system tar in ustar, gnu and pax formats',
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-tar-'));
      try {
        const deep = path.join('cifar-10-batches-bin', 'n'.repeat(90));
        fs.mkdirSync(path.join(dir, 'src', deep), { recursive: true });
        const big = Buffer.alloc(70_000, 7);
        fs.writeFileSync(path.join(dir, 'src', 'cifar-10-batches-bin', 'data_batch_1.bin'), big);
        fs.writeFileSync(path.join(dir, 'src', deep, 'f.txt'), 'deep');
        for (const format of ['ustar', 'gnu', 'pax']) {
          const out = path.join(dir, `${format}.tar`);
          execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', path.join(dir, 'src'), '.']);
          const entries = readTar(new Uint8Array(fs.readFileSync(out)), out);
          const files = entries.filter((e) => e.type === 'file');
          const batch = files.find((e) => e.name.endsWith('cifar-10-batches-bin/data_batch_1.bin'));
          expect(batch?.size, format).toBe(70_000);
          expect(Buffer.compare(batch!.data, big)).toBe(0);
          const f = files.find((e) => e.name.endsWith('/f.txt'));
          expect(f?.name.endsWith(`${deep}/f.txt`), `${format}: ${f?.name}`).toBe(true);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
