/**
 * The guarded SGD-momentum update (optimizer.ts) as three kernels of our own, one program each
 * per parameter tensor, registered for webgl, webgpu, cpu and wasm:
 *
 * - `ItraSgdCandidate`  (p, v, g, lr; momentum μ)  → p − lr·(μv + g), the value to probe;
 * - `ItraSgdVelocity`   (ok, v, g; momentum μ)     → ok ? μv + g : v;
 * - `ItraSelectByFlag`  (ok, t, e)                 → ok ? t : e, for any shape.
 *
 * `ok` is a float32 scalar (1 or 0) and `lr` a float32 scalar tensor, so the learning rate
 * changes live and the guard needs no read-back. With tfjs's ops the same update costs 4
 * kernels per parameter (mul, add, mul, sub) plus a Select each for p and v, and a Select needs
 * its condition broadcast to the tensor's shape (a Tile, or on WebGL a reshape to one row, which
 * is a draw for a packed texture): ~8 draws per tensor on the GPU backends, against 3 here, and
 * against 4 (no guard) for tfjs's own momentum optimizer. On cpu and wasm each is one loop over
 * typed arrays, rounding to float32 after every operation as tfjs's kernels do, so the results
 * equal tfjs's ops there bit for bit (sgdKernels.test.ts). On the GPUs the shader compiler may
 * fuse a multiply-add: results agree to float32 rounding (e2e/kernels.spec.ts).
 */
import * as tf from '@tensorflow/tfjs';

export const SGD_CANDIDATE = 'ItraSgdCandidate';
export const SGD_VELOCITY = 'ItraSgdVelocity';
export const SELECT_BY_FLAG = 'ItraSelectByFlag';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Values = ArrayLike<number>;

// ---- cpu and wasm: loops over the tensors' memory -------------------------------------------

const f = Math.fround;

const LOOPS = {
  [SGD_CANDIDATE](n: number, [p, v, g, lr]: Values[], out: Float32Array, mu: number) {
    const rate = lr[0]!;
    for (let i = 0; i < n; i++) out[i] = p[i]! - f(rate * f(f(mu * v[i]!) + g[i]!));
  },
  [SGD_VELOCITY](n: number, [ok, v, g]: Values[], out: Float32Array, mu: number) {
    if (ok[0]! > 0.5) for (let i = 0; i < n; i++) out[i] = f(mu * v[i]!) + g[i]!;
    else out.set(v as Float32Array);
  },
  [SELECT_BY_FLAG](_n: number, [ok, t, e]: Values[], out: Float32Array) {
    out.set((ok[0]! > 0.5 ? t : e) as Float32Array);
  },
};

const INPUTS: Record<keyof typeof LOOPS, string[]> = {
  [SGD_CANDIDATE]: ['p', 'v', 'g', 'lr'],
  [SGD_VELOCITY]: ['ok', 'v', 'g'],
  [SELECT_BY_FLAG]: ['ok', 't', 'e'],
};

/** The tensor whose shape the output takes: the second input (p, v or t). */
const shaped = (name: keyof typeof LOOPS, inputs: tf.NamedTensorInfoMap) =>
  inputs[INPUTS[name][name === SGD_CANDIDATE ? 0 : 1]!]!;

interface CpuBackendLike {
  readSync(dataId: unknown): tf.TypedArray;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): TensorInfo;
}
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
}

function onCpu(name: keyof typeof LOOPS) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const b = backend as CpuBackendLike;
    const like = shaped(name, inputs);
    const values = INPUTS[name].map((k) => b.readSync(inputs[k]!.dataId));
    const out = new Float32Array(tf.util.sizeFromShape(like.shape));
    LOOPS[name](out.length, values, out, f((attrs?.momentum as number) ?? 0));
    return b.makeTensorInfo(like.shape, 'float32', out);
  };
}

function onWasm(name: keyof typeof LOOPS) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const b = backend as WasmBackendLike;
    const like = shaped(name, inputs);
    // makeOutput may grow the wasm memory, which detaches earlier heap views: views after it.
    const result = b.makeOutput(like.shape, 'float32');
    const values = INPUTS[name].map((k) => b.typedArrayFromHeap(inputs[k]!));
    const out = b.typedArrayFromHeap(result) as Float32Array;
    LOOPS[name](out.length, values, out, f((attrs?.momentum as number) ?? 0));
    return result;
  };
}

// ---- webgl: one fragment program each ---------------------------------------------------------

const GLSL: Record<keyof typeof LOOPS, string> = {
  [SGD_CANDIDATE]: `
    void main() {
      float vNew = momentum * getVAtOutCoords() + getGAtOutCoords();
      setOutput(getPAtOutCoords() - getLr() * vNew);
    }`,
  [SGD_VELOCITY]: `
    void main() {
      float v = getVAtOutCoords();
      setOutput(getOk() > 0.5 ? momentum * v + getGAtOutCoords() : v);
    }`,
  [SELECT_BY_FLAG]: `
    void main() {
      setOutput(getOk() > 0.5 ? getTAtOutCoords() : getEAtOutCoords());
    }`,
};

interface WebGlBackendLike {
  runWebGLProgram(
    program: object,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    customUniformValues?: number[][],
  ): TensorInfo;
}

function onWebGl(name: keyof typeof LOOPS) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const like = shaped(name, inputs);
    const usesMomentum = name !== SELECT_BY_FLAG;
    const program = {
      variableNames: INPUTS[name],
      outputShape: like.shape,
      userCode: GLSL[name],
      customUniforms: usesMomentum ? [{ name: 'momentum', type: 'float' }] : undefined,
    };
    return (backend as WebGlBackendLike).runWebGLProgram(
      program,
      INPUTS[name].map((k) => inputs[k]!),
      'float32',
      usesMomentum ? [[(attrs?.momentum as number) ?? 0]] : undefined,
    );
  };
}

// ---- webgpu: one compute program each, 64 invocations a workgroup -----------------------------

const WGSL: Record<keyof typeof LOOPS, string> = {
  [SGD_CANDIDATE]: `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let vNew = uniforms.momentum * v[index] + g[index];
        result[index] = p[index] - lr[0] * vNew;
      }
    }`,
  [SGD_VELOCITY]: `
    fn main(index : i32) {
      if (index < uniforms.size) {
        if (ok[0] > 0.5) {
          result[index] = uniforms.momentum * v[index] + g[index];
        } else {
          result[index] = v[index];
        }
      }
    }`,
  [SELECT_BY_FLAG]: `
    fn main(index : i32) {
      if (index < uniforms.size) {
        if (ok[0] > 0.5) {
          result[index] = t[index];
        } else {
          result[index] = e[index];
        }
      }
    }`,
};

interface WebGpuBackendLike {
  runWebGPUProgram(
    program: object,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>,
  ): TensorInfo;
}

function onWebGpu(name: keyof typeof LOOPS) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const like = shaped(name, inputs);
    const size = tf.util.sizeFromShape(like.shape);
    const usesMomentum = name !== SELECT_BY_FLAG;
    const program = {
      variableNames: INPUTS[name],
      outputShape: like.shape,
      shaderKey: name,
      // Flat: one invocation per element, every buffer read at the output's flat index.
      dispatchLayout: { x: like.shape.map((_, i) => i) },
      dispatch: [Math.ceil(size / 64), 1, 1],
      workgroupSize: [64, 1, 1],
      size: true,
      uniforms: usesMomentum ? 'momentum : f32,' : undefined,
      getUserCode: () => WGSL[name],
    };
    return (backend as WebGpuBackendLike).runWebGPUProgram(
      program,
      INPUTS[name].map((k) => inputs[k]!),
      'float32',
      usesMomentum ? [{ type: 'float32', data: [(attrs?.momentum as number) ?? 0] }] : undefined,
    );
  };
}

// ---- registration and the ops the optimizer calls --------------------------------------------

const BACKENDS = { cpu: onCpu, wasm: onWasm, webgl: onWebGl, webgpu: onWebGpu };

for (const [backendName, make] of Object.entries(BACKENDS)) {
  for (const name of Object.keys(LOOPS) as Array<keyof typeof LOOPS>) {
    if (!tf.getKernel(name, backendName)) {
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: make(name) as unknown as tf.KernelFunc,
      });
    }
  }
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

/** p − lr·(μv + g): SGD-momentum's next parameter value, not yet committed. */
export const sgdCandidate = (p: tf.Tensor, v: tf.Tensor, g: tf.Tensor, lr: tf.Scalar, mu: number) =>
  run(SGD_CANDIDATE, { p, v, g, lr }, { momentum: mu });

/** ok ? μv + g : v (ok: a float32 scalar, 1 or 0). */
export const sgdVelocity = (ok: tf.Scalar, v: tf.Tensor, g: tf.Tensor, mu: number) =>
  run(SGD_VELOCITY, { ok, v, g }, { momentum: mu });

/** ok ? t : e, elementwise over tensors of one shape (ok: a float32 scalar, 1 or 0). */
export const selectByFlag = (ok: tf.Scalar, t: tf.Tensor, e: tf.Tensor) =>
  run(SELECT_BY_FLAG, { ok, t, e });
