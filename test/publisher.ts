/**
 * A dataset "publisher" on 127.0.0.1 (port 0) for tests: serves the files of one folder,
 * honours Range, and can send slowly, lie about sizes or redirect, so the downloader's
 * faults can be tried against a real socket.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PublisherOptions {
  dir: string;
  /** Bytes per write and ms between writes for files matching `slow` (default: all at once). */
  chunk?: number;
  delayMs?: number;
  slow?: RegExp;
}

export interface Publisher {
  base: string;
  /** Requests seen, in order: path and Range header. */
  requests: { path: string; range?: string }[];
  /** Bytes written per path, so far. */
  sent: Map<string, number>;
  /** Paths whose whole body has been written. */
  finished: Set<string>;
  close(): Promise<void>;
}

export async function startPublisher(o: PublisherOptions): Promise<Publisher> {
  const requests: Publisher['requests'] = [];
  const sent = new Map<string, number>();
  const finished = new Set<string>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, range: req.headers.range });
    const port = (server.address() as AddressInfo).port;
    // /redirect-http/<name>: to plain http; /redirect-away/<name>: to another host.
    let m = /^\/redirect-http\/(.+)$/.exec(url.pathname);
    if (m) {
      res.writeHead(302, { Location: `http://127.0.0.1:${port}/${m[1]}` });
      return res.end();
    }
    m = /^\/redirect-away\/(.+)$/.exec(url.pathname);
    if (m) {
      res.writeHead(302, { Location: `https://downloads.example.invalid/${m[1]}` });
      return res.end();
    }
    // /endless/<name>: no length, bytes until the client goes away; /huge/<name>: announces 30 MB.
    if (url.pathname.startsWith('/endless/') || url.pathname.startsWith('/huge/')) {
      const huge = url.pathname.startsWith('/huge/');
      res.writeHead(200, huge ? { 'Content-Length': 30e6 } : {});
      const block = Buffer.alloc(16 * 1024, 7);
      for (let i = 0; i < 2000 && !res.destroyed; i++) {
        res.write(block);
        sent.set(url.pathname, (sent.get(url.pathname) ?? 0) + block.length);
        await new Promise((r) => setTimeout(r, 5));
      }
      return res.end();
    }
    const file = path.join(o.dir, path.basename(url.pathname));
    if (!fs.existsSync(file)) {
      res.statusCode = 404;
      return res.end();
    }
    const body = fs.readFileSync(file);
    const r = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = r ? Number(r[1]) : 0;
    if (r) {
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Content-Length': body.length - start,
      });
    } else res.writeHead(200, { 'Content-Length': body.length });
    const slow = o.chunk && (!o.slow || o.slow.test(url.pathname));
    const step = slow ? o.chunk! : body.length;
    for (let i = start; i < body.length; i += step) {
      if (res.destroyed) return;
      const piece = body.subarray(i, Math.min(body.length, i + step));
      if (!res.write(piece)) await new Promise((ok) => res.once('drain', ok));
      sent.set(url.pathname, (sent.get(url.pathname) ?? 0) + piece.length);
      if (slow) await new Promise((ok) => setTimeout(ok, o.delayMs ?? 10));
    }
    finished.add(url.pathname);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    sent,
    finished,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
