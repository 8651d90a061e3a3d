/**
 * tfjs's WebGPU backend in Node, on Dawn's Node binding (the `webgpu` npm package): the CLI
 * (`npm run train -- --backend webgpu`), the benchmark's Node rows and the Node kernel tests.
 * Dawn talks to the GPU through Vulkan on Linux: the Vulkan loader (libvulkan.so.1) and a
 * driver (an ICD: the GPU vendor's, or SwiftShader's CPU emulation that Debian's Chromium
 * ships, picked with VK_ICD_FILENAMES). When no adapter comes up, the error says which of the
 * two is missing and what to install. Node only (fs, process): excluded from the app's tsconfig.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

/** SwiftShader's Vulkan driver as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpuAdapter {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** One line for run records and tables: "google swiftshader (SwiftShader driver 5.0.0)". */
  name: string;
}

const LOADER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/local/lib',
];
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function vulkanLoader(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  for (const dir of LOADER_DIRS) if (existsSync(`${dir}/libvulkan.so.1`)) return dir;
  return null;
}

/** The Vulkan drivers the loader would see: VK_ICD_FILENAMES / VK_DRIVER_FILES, else the ICD folders. */
export function vulkanDrivers(): string[] {
  const chosen = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (chosen) return chosen.split(':').filter(Boolean);
  return ICD_DIRS.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d}/${f}`);
    } catch {
      return [];
    }
  });
}

/** Why no adapter came up, and what to install: for the error message. */
export function noAdapterReason(): string {
  const swiftshader = existsSync(SWIFTSHADER_ICD)
    ? `VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader, installed here with Debian's chromium)`
    : `Debian's chromium package (its SwiftShader driver: VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`;
  if (process.platform === 'linux' && !vulkanLoader()) {
    return (
      'no Vulkan loader (libvulkan.so.1) on this machine: install it (Debian/Ubuntu: ' +
      "apt-get install libvulkan1) and a Vulkan driver: the GPU vendor's (NVIDIA: the driver's " +
      `libnvidia-gl / nvidia-vulkan-icd package) or, to emulate a GPU on the CPU, ${swiftshader}`
    );
  }
  const drivers = vulkanDrivers();
  const missing = drivers.filter((d) => !existsSync(d));
  if (drivers.length === 0) {
    return (
      'the Vulkan loader is installed but no Vulkan driver (no ICD file in ' +
      `${ICD_DIRS.join(', ')}; VK_ICD_FILENAMES unset): install the GPU vendor's driver ` +
      `(NVIDIA: nvidia-vulkan-icd or the driver's libnvidia-gl) or, for a CPU emulation, ${swiftshader}`
    );
  }
  if (missing.length === drivers.length) {
    return `VK_ICD_FILENAMES names driver files that do not exist (${missing.join(', ')})`;
  }
  return (
    `the Vulkan drivers present (${drivers.join(', ')}) offered no adapter that Dawn accepts ` +
    '(no GPU they drive, or a driver that lacks a feature Dawn needs' +
    (drivers.some((d) => /lvp/.test(d)) ? ", as Mesa's lavapipe does" : '') +
    '); ' +
    `for a CPU emulation use ${swiftshader}`
  );
}

interface DawnAdapter {
  info?: Record<string, unknown>;
}
interface DawnGpu {
  requestAdapter(options?: object): Promise<DawnAdapter | null>;
}

function describe(info: Record<string, unknown> = {}): NodeGpuAdapter {
  const s = (k: string) =>
    typeof info[k] === 'string' && info[k] ? (info[k] as string) : undefined;
  const out = {
    vendor: s('vendor'),
    architecture: s('architecture'),
    device: s('device'),
    description: s('description'),
  };
  const head = [out.vendor, out.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return { ...out, name: out.description ? `${head} (${out.description})` : head };
}

let started: NodeGpuAdapter | null = null;

/**
 * Makes tfjs's 'webgpu' backend active in Node on the first adapter Dawn offers; returns that
 * adapter. Throws an Error whose message says why when there is none.
 */
export async function setupNodeWebGpu(): Promise<NodeGpuAdapter> {
  if (started && tf.getBackend() === 'webgpu') return started;
  let dawn: { create(options: string[]): unknown; globals: object };
  try {
    dawn = (await import('webgpu')) as never;
  } catch (e) {
    throw new Error(
      `webgpu: Dawn's Node binding did not load (${(e as Error).message}); it comes with the ` +
        '`webgpu` npm package (npm ci installs it; prebuilt for Linux, macOS and Windows on x64/arm64)',
    );
  }
  // GPUBufferUsage, GPUMapMode, … as the browser has them; tfjs-webgpu reads navigator.gpu.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true });
  }
  const g = globalThis as { navigator?: { gpu?: unknown } };
  const gpu = (g.navigator?.gpu as DawnGpu | undefined) ?? (dawn.create([]) as DawnGpu);
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
  }
  if (!g.navigator!.gpu) {
    Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true });
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(`webgpu: no WebGPU adapter: ${noAdapterReason()}`);
  const info = describe(adapter.info as Record<string, unknown> | undefined);
  // Imported after navigator.gpu exists: the module registers 'webgpu' only when it sees it.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) {
    tf.registerBackend('webgpu', async () => {
      // What tfjs's own factory asks for (the adapter's limits), for large buffers.
      const a = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as {
        requestDevice(d: object): Promise<unknown>;
        info?: unknown;
        limits: Record<string, number>;
      } | null;
      if (!a) throw new Error(`webgpu: no WebGPU adapter: ${noAdapterReason()}`);
      const l = a.limits;
      const requiredLimits = Object.fromEntries(
        [
          'maxComputeWorkgroupStorageSize',
          'maxComputeWorkgroupsPerDimension',
          'maxStorageBufferBindingSize',
          'maxBufferSize',
          'maxComputeWorkgroupSizeX',
          'maxComputeInvocationsPerWorkgroup',
        ].map((k) => [k, l[k]]),
      );
      const device = await a.requestDevice({ requiredLimits });
      return new WebGPUBackend(device as never, a.info as never);
    });
  }
  if (!(await tf.setBackend('webgpu'))) {
    throw new Error(`webgpu: the adapter "${info.name}" came up but its device request failed`);
  }
  await tf.ready();
  started = info;
  return info;
}
