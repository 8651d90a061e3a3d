/**
 * An elementwise kernel of ours on the four backends the app uses, from one
 * definition: a typed-array loop (cpu, and wasm over its heap), a GLSL fragment program (webgl)
 * and a WGSL compute program, one invocation per element (webgpu). Inputs are float32 tensors
 * of the output's shape or scalars; float attributes reach the GPU programs as uniforms.
 * Used by sgdUpdate.ts and reluBackward.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type CpuBackendLike,
  defineKernel,
  type KernelArgs,
  type KernelBackend,
  type KernelDefinition,
  type KernelImpl,
  type TensorInfo,
  type Values,
  type WasmBackendLike,
  type WebGlBackendLike,
  type WebGpuBackendLike,
} from './registry';

export interface ElementwiseKernel {
  name: string;
  /** Input names in order; in GLSL `getNameAtOutCoords()` (or `getName()` for a scalar), in WGSL `name[index]`. */
  inputs: string[];
  /** The input whose shape the output takes. */
  shapeFrom: string;
  /** Float attributes: `uniform float name` in GLSL, `uniforms.name` in WGSL, `attrs[i]` in the loop. */
  attrs?: string[];
  /** cpu and wasm: fills `out` (n elements) from the inputs' values. */
  loop(n: number, inputs: Values[], out: Float32Array, attrs: number[]): void;
  /** webgl: the body of `void main()`, ending in setOutput(...). */
  glsl: string;
  /** webgpu: statements run for `index` < size, writing result[index]. */
  wgsl: string;
  /** Where it runs (default: all four). */
  backends?: KernelBackend[];
}

function makers(k: ElementwiseKernel): Record<KernelBackend, KernelImpl> {
  const attrNames = k.attrs ?? [];
  const attrValues = (attrs?: tf.NamedAttrMap) =>
    attrNames.map((a) => Math.fround((attrs?.[a] as number) ?? 0));
  const ordered = (inputs: tf.NamedTensorInfoMap) => k.inputs.map((n) => inputs[n]!);
  return {
    cpu({ inputs, backend, attrs }: KernelArgs): TensorInfo {
      const b = backend as CpuBackendLike;
      const shape = inputs[k.shapeFrom]!.shape;
      const out = new Float32Array(tf.util.sizeFromShape(shape));
      k.loop(
        out.length,
        ordered(inputs).map((t) => b.readSync(t.dataId)),
        out,
        attrValues(attrs),
      );
      return b.makeTensorInfo(shape, 'float32', out);
    },
    wasm({ inputs, backend, attrs }: KernelArgs): TensorInfo {
      const b = backend as WasmBackendLike;
      // makeOutput may grow the wasm memory, which detaches earlier heap views: views after it.
      const result = b.makeOutput(inputs[k.shapeFrom]!.shape, 'float32');
      const out = b.typedArrayFromHeap(result) as Float32Array;
      const values = ordered(inputs).map((t) => b.typedArrayFromHeap(t));
      k.loop(out.length, values, out, attrValues(attrs));
      return result;
    },
    webgl({ inputs, backend, attrs }: KernelArgs): TensorInfo {
      const program = {
        variableNames: k.inputs,
        outputShape: inputs[k.shapeFrom]!.shape,
        userCode: `void main() {${k.glsl}}`,
        customUniforms: attrNames.length
          ? attrNames.map((name) => ({ name, type: 'float' }))
          : undefined,
      };
      const values = attrValues(attrs);
      return (backend as WebGlBackendLike).runWebGLProgram(
        program,
        ordered(inputs),
        'float32',
        values.length ? values.map((v) => [v]) : undefined,
      );
    },
    webgpu({ inputs, backend, attrs }: KernelArgs): TensorInfo {
      const shape = inputs[k.shapeFrom]!.shape;
      const program = {
        variableNames: k.inputs,
        outputShape: shape,
        shaderKey: k.name,
        // Flat: one invocation per element, every buffer read at the output's flat index.
        dispatchLayout: { x: shape.map((_, i) => i) },
        dispatch: [Math.ceil(tf.util.sizeFromShape(shape) / 64), 1, 1],
        workgroupSize: [64, 1, 1],
        size: true,
        uniforms: attrNames.length ? attrNames.map((a) => `${a} : f32,`).join(' ') : undefined,
        getUserCode: () => `fn main(index : i32) { if (index < uniforms.size) {${k.wgsl}} }`,
      };
      return (backend as WebGpuBackendLike).runWebGPUProgram(
        program,
        ordered(inputs),
        'float32',
        attrNames.length
          ? attrValues(attrs).map((v) => ({ type: 'float32', data: [v] }))
          : undefined,
      );
    },
  };
}

/** `k` on cpu, wasm, webgl and webgpu, or on `k.backends`. */
export function defineElementwiseKernel(k: ElementwiseKernel): KernelDefinition {
  const all = makers(k);
  const backends = k.backends ?? (Object.keys(all) as KernelBackend[]);
  return defineKernel(k.name, Object.fromEntries(backends.map((b) => [b, all[b]])));
}
