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
import { isolate } from './isolationHeaders';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();

// Precached responses (index.html, scripts, styles, wasm) leave the cache with the headers.
addPlugins([{ handlerWillRespond: async ({ response }) => isolate(response) }]);
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
      return isolate(await fetch(request));
    } catch (e) {
      const shell = request.mode === 'navigate' ? await matchPrecache('index.html') : undefined;
      if (shell) return isolate(shell);
      throw e;
    }
  },
);
