/**
 * Child process for the cache tests and the e2e download test: the app's dataset endpoint
 * (server/datasetServer.ts) on 127.0.0.1, port 0, with the cache and publisher taken from
 * ITRA_DATA_CACHE and ITRA_DATA_BASE_URL. With a folder argument it also serves that folder
 * (the built app, with the headers the Vite servers send). Prints `{"port": N}` once
 * listening; logs go to stderr.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createDatasetMiddleware } from '../../server/datasetServer';

const staticDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
const mw = createDatasetMiddleware({ log: (m) => process.stderr.write(`[data] ${m}\n`) });
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

const server = http.createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  mw(req, res, () => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = staticDir ? path.join(staticDir, rel === '/' ? 'index.html' : rel) : '';
    if (
      !staticDir ||
      !file.startsWith(staticDir) ||
      !fs.existsSync(file) ||
      fs.statSync(file).isDirectory()
    ) {
      res.statusCode = 404;
      return res.end('not found');
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    fs.createReadStream(file).pipe(res);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
