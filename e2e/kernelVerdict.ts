/**
 * What the kernel checks of e2e/pages/kernels.ts must show, shared by the browser spec
 * (kernels.spec.ts: WebGPU and WebGL in Chromium) and the Node one (test/nodeWebGpu.test.ts:
 * WebGPU on Dawn). Each takes the runner's own `expect` (Playwright's or Vitest's).
 */
import {
  DIRECT_CONV_CASES,
  ELEMENTWISE_CASES,
  exactMismatch,
  FILTER_GRADIENT_CASES,
} from '../src/engine/kernels/kernelCases';
import { type GuardResult, guardMismatches } from '../src/engine/kernels/modelCases';

export interface BackendCheck {
  error?: string;
  kernel: boolean;
  matchingKernels: boolean;
  programChoices: boolean;
  emulatedWebGl: boolean;
  directConvs: Array<{ name: string; error: number }>;
  filterGradients: Array<{ name: string; cin: number; byTaps: boolean; error: number }>;
  elementwise: Record<string, number[]>;
  medians: Array<{ name: string; got: number; want: number }>;
  matching: Record<string, number[]>;
  leaked: number;
  guard: GuardResult;
}

interface Matchers {
  toBe(v: unknown): void;
  toEqual(v: unknown): void;
  toBeLessThan(n: number): void;
  toBeUndefined(): void;
  toBeCloseTo(n: number, digits?: number): void;
}
export type Expect = (actual: unknown, message?: string) => Matchers;

/** The cpu backend's run: it ran, with the engine's kernels, and is a sound reference. */
export function expectCpuReference(expect: Expect, cpu: BackendCheck): void {
  expect(cpu.error).toBeUndefined();
  expect(cpu.kernel).toBe(true);
  expect(cpu.matchingKernels).toBe(true);
  // A class present in S1 only gets zero gradient rows.
  const dH1 = cpu.matching['biased dH1']!;
  for (let row = 4; row < 24; row += 5) {
    for (let k = 0; k < 6; k++) expect(Math.abs(dH1[row * 6 + k]!)).toBe(0);
  }
}

/**
 * A GPU backend against the cpu run. `emulated`: whether the WebGPU adapter is a CPU emulation
 * (SwiftShader), for which the engine picks programs of its own (programChoices.ts).
 */
export function expectGpuAgrees(
  expect: Expect,
  cpu: BackendCheck,
  r: BackendCheck,
  backend: 'webgpu' | 'webgl',
  emulatedWebGpu: boolean,
): void {
  expect(r.error, `${backend} did not run`).toBeUndefined();
  expect(r.kernel, `${backend}: our median kernel registered?`).toBe(backend === 'webgpu');
  // The matching loss: our kernels (matchingKernels.ts) on emulated WebGPU, tfjs ops elsewhere;
  // both against the cpu backend's loops below (Match_c, σ, gradients, the whole model).
  const ours = backend === 'webgpu' && emulatedWebGpu;
  expect(r.matchingKernels, `${backend}: matching kernels`).toBe(ours);
  expect(r.programChoices, `${backend}: program choices`).toBe(ours);
  // Our direct convolution against tfjs's on WebGPU (the shared cases; none elsewhere).
  expect(
    r.directConvs.map((c) => c.name),
    `${backend}: direct convolution cases`,
  ).toEqual(backend === 'webgpu' ? DIRECT_CONV_CASES.map((c) => c.name) : []);
  for (const c of r.directConvs) {
    expect(c.error, `${backend} direct convolution, ${c.name}`).toBeLessThan(1e-5);
  }
  // The filter gradient (the shared cases, kernelCases.ts): per-tap products from 8 input
  // channels on SwiftShader WebGL and from 32 on SwiftShader WebGPU, tfjs's program below and on
  // real GPUs (WebGL is whatever Chromium picked: the page says which).
  const emulated = backend === 'webgl' ? r.emulatedWebGl : r.programChoices;
  const fromChannels = backend === 'webgl' ? 8 : 32;
  expect(
    r.filterGradients.map((f) => f.name),
    `${backend}: filter gradient cases`,
  ).toEqual(FILTER_GRADIENT_CASES.map((c) => c.name));
  expect(
    r.filterGradients.map((f) => f.byTaps),
    `${backend}: per-tap filter gradients`,
  ).toEqual(r.filterGradients.map((f) => emulated && f.cin >= fromChannels));
  for (const f of r.filterGradients) {
    expect(f.error, `${backend} filter gradient, ${f.name}`).toBeLessThan(1e-5);
  }
  for (const m of r.medians) {
    // The same float32 distances, sorted: the exact same median (CPU and GPU sort agree).
    expect(m.got, `${backend} median, ${m.name}`).toBe(m.want);
  }
  expect(r.leaked, `${backend} tensors left`).toBe(0);
  for (const [key, want] of Object.entries(cpu.matching)) {
    const got = r.matching[key]!;
    expect(got.length, `${backend} ${key}`).toBe(want.length);
    const scale = Math.max(1e-6, ...want.map(Math.abs));
    const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
    expect(worst / scale, `${backend} ${key} vs cpu`).toBeLessThan(1e-3);
  }
}

/**
 * Exact values on any backend: the engine's elementwise kernels and the bias-gradient sum
 * (kernelCases.ts) and the optimizer's guard (modelCases.ts), as the unit tests check them on
 * cpu and wasm.
 */
export function expectExactKernels(expect: Expect, r: BackendCheck, backend: string): void {
  // The shared table's exact values (kernelCases.ts), every case present.
  expect(Object.keys(r.elementwise), `${backend} elementwise cases`).toEqual(
    ELEMENTWISE_CASES.map((c) => c.name),
  );
  for (const c of ELEMENTWISE_CASES) {
    expect(exactMismatch(r.elementwise[c.name]!, c.want), `${backend} ${c.name}`).toBe(null);
  }
  // The guard's exact values (modelCases.ts).
  expect(guardMismatches(r.guard), `${backend} guard`).toEqual([]);
}
