/**
 * How the e2e tests and the benchmark launch Chromium: Debian's (or $CHROMIUM_PATH) with real
 * WebGPU on SwiftShader where no GPU exists; Playwright's own browser only as a last resort.
 */
import { existsSync } from 'node:fs';

export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

/** Flags every launch needs on a locked-down machine (no background network, root). */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** Real WebGPU: on a GPU-less machine, Chromium's SwiftShader Vulkan adapter. */
export const WEBGPU_ARGS = [
  ...BASE_ARGS,
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
];

// Overridable so that several checkouts on one machine can run their e2e suites side by side.
export const PREVIEW_PORT = Number(process.env.E2E_PREVIEW_PORT ?? 4173);
export const BASE_URL = `http://127.0.0.1:${PREVIEW_PORT}`;
/** The dev server, for test pages that import the engine from source (e2e/pages/). */
export const DEV_PORT = Number(process.env.E2E_DEV_PORT ?? 4176);
export const DEV_URL = `http://127.0.0.1:${DEV_PORT}`;
