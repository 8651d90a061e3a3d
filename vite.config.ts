import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { csp } from './csp.config.ts';
import { pwa } from './pwa.config.ts';
import { datasetServer } from './server/datasetServer.ts';

/**
 * COOP/COEP make the page cross-origin isolated, so the wasm backend can use threads
 * (SharedArrayBuffer). The dataset server serves /data/<id>/<file> from the local cache,
 * a known local install, or a server-side download from the official host.
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), datasetServer(), pwa(), csp()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
