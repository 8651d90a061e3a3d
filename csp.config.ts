/**
 * The production page's Content-Security-Policy: a <meta http-equiv> written into index.html
 * at build time (a static host sends no headers; the dev server has none, so Vite's inline
 * dev scripts keep working). The page runs no inline script and compiles no WebAssembly:
 * tfjs, its .wasm binaries, the MD5 (hash-wasm) and the dataset downloads all run in module
 * workers, which are governed by their own response's policy (CSP3), not by this meta tag.
 * `connect-src` is the app and the dataset hosts a page may fetch (registry mirrors marked
 * `browser: true`). React's `style` props are set through the CSSOM, which style-src does not
 * govern, so no 'unsafe-inline'. PNG export draws the chart's SVG from a blob: URL.
 */
import type { Plugin } from 'vite';
import { DATASETS } from './src/data/registry.ts';

export function browserDatasetOrigins(): string[] {
  const origins = new Set<string>();
  for (const d of Object.values(DATASETS)) {
    for (const m of d.mirrors) if (m.browser) origins.add(new URL(m.base).origin);
  }
  return [...origins].sort();
}

export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${browserDatasetOrigins().join(' ')}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * The workers' policy (a dedicated worker takes the CSP of its own script's response, not the
 * page's): sent by the service worker with every worker script it serves (src/pwa/sw.ts), and
 * what a host should send for `/assets/*worker*.js`. tfjs compiles WebAssembly
 * ('wasm-unsafe-eval', never 'unsafe-eval') and its threaded build starts blob: workers.
 */
export function workerContentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self' blob: 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    `connect-src 'self' ${browserDatasetOrigins().join(' ')}`,
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Writes the policy into the built index.html (build only). */
export function csp(): Plugin {
  return {
    name: 'itra-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy() },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}
