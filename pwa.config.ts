/**
 * The installable, offline-capable app shell (vite-plugin-pwa): the web manifest and the
 * service worker (src/pwa/sw.ts), which also restores cross-origin isolation on static
 * hosts. Registration is ours (src/pwa/register.ts, a module: no inline script for the CSP).
 */
import { VitePWA } from 'vite-plugin-pwa';

export const pwa = () =>
  VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/pwa',
    filename: 'sw.ts',
    injectRegister: false,
    registerType: 'autoUpdate',
    devOptions: { enabled: false },
    injectManifest: {
      // The app, its styles, and tfjs's wasm binaries (the largest is ~5 MB).
      globPatterns: ['**/*.{js,css,html,wasm,svg,png,webmanifest}'],
      maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
      // Datasets copied into the build (public/data/) are the user's, not the shell's.
      globIgnores: ['data/**'],
    },
    manifest: {
      name: 'ITRA Playground',
      short_name: 'ITRA',
      description:
        'Watch ITRA (In-Training Representation Alignment) reshape a CNN’s features live, on your own GPU.',
      start_url: '.',
      scope: '.',
      display: 'standalone',
      background_color: '#ffffff',
      theme_color: '#0072b2',
      icons: [
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
  });
