/**
 * The service worker (built by vite-plugin-pwa, injectManifest): the app shell from the
 * precache, so the page opens offline, and every same-origin page and worker served with
 * COOP/COEP, so a plain static host (which sends no such headers) still gets a cross-origin
 * isolated page and wasm threads: the coi-serviceworker approach, without its inline script.
 */
import { clientsClaim } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  matchPrecache,
  precacheAndRoute,
} from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { workerContentSecurityPolicy } from '../../csp.config';
import { isolate } from './isolationHeaders';

/** A worker script gets the workers' policy: the page's meta tag does not reach workers. */
const WORKER_CSP = workerContentSecurityPolicy();
function served(request: Request, response: Response): Response {
  const out = isolate(response);
  if (request.destination === 'worker' && out.status === 200) {
    out.headers.set('Content-Security-Policy', WORKER_CSP);
  }
  return out;
}

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();

// Precached responses (index.html, scripts, styles, wasm) leave the cache with the headers.
addPlugins([{ handlerWillRespond: async ({ request, response }) => served(request, response) }]);
precacheAndRoute(self.__WB_MANIFEST, {
  // `/?backend=wasm&…` is the precached index.html: settings live in the query string.
  ignoreURLParametersMatching: [/.*/],
});

// Anything else that makes a document or a worker: from the network, with the headers (and
// offline, the app shell). Other requests (dataset files, other origins) are not touched.
registerRoute(
  ({ request, sameOrigin }) =>
    sameOrigin && (request.mode === 'navigate' || request.destination === 'worker'),
  async ({ request }) => {
    try {
      return served(request, await fetch(request));
    } catch (e) {
      const shell = request.mode === 'navigate' ? await matchPrecache('index.html') : undefined;
      if (shell) return isolate(shell);
      throw e;
    }
  },
);
