/**
 * The matching loss's kernels on CPU-emulated WebGPU as WGSL programs (matchingKernels.ts), one
 * invocation per output element: D, per-class MMD² and ∂L/∂H.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One invocation per output element, flat dispatch (as directConv.ts). */
export abstract class FlatProgram {
  abstract variableNames: string[];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'm1 : i32, classes : i32,';
  abstract shaderKey: string;

  constructor(outShape: number[]) {
    this.outputShape = outShape;
    this.dispatchLayout = { x: outShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outShape) / 64), 1, 1];
  }
  abstract getUserCode(): string;
}

export class PairwiseSqDistProgram extends FlatProgram {
  variableNames = ['h'];
  shaderKey = 'itraPairwiseSqDist';
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.hShape[0];
          let dim = uniforms.hShape[1];
          let i = index / n;
          let j = index - i * n;
          var acc = 0.0;
          for (var f = 0; f < dim; f = f + 1) {
            let t = h[i * dim + f] - h[j * dim + f];
            acc = acc + t * t;
          }
          result[index] = acc;
        }
      }
    `;
  }
}

export class ClassMmd2Program extends FlatProgram {
  variableNames = ['d', 'sigma', 'cls'];
  shaderKey: string;
  constructor(
    outShape: number[],
    private readonly unbiased: boolean,
  ) {
    super(outShape);
    this.shaderKey = `itraClassMmd2_${unbiased}`;
  }
  getUserCode(): string {
    const within = (s: string, k: string) =>
      this.unbiased
        ? `(${s} - ${k}) / max(1.0, ${k} * (${k} - 1.0))`
        : `${s} / max(1.0, ${k} * ${k})`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.dShape[0];
          let c = f32(index);
          let negInv = -1.0 / sigma[0];
          var s11 = 0.0;
          var s22 = 0.0;
          var s12 = 0.0;
          var n1 = 0.0;
          var n2 = 0.0;
          for (var i = 0; i < n; i = i + 1) {
            if (cls[i] != c) { continue; }
            let first = i < uniforms.m1;
            if (first) { n1 = n1 + 1.0; } else { n2 = n2 + 1.0; }
            for (var j = select(uniforms.m1, 0, first); j < n; j = j + 1) {
              if (cls[j] != c) { continue; }
              let k = exp(d[i * n + j] * negInv);
              if (!first) { s22 = s22 + k; }
              else if (j < uniforms.m1) { s11 = s11 + k; }
              else { s12 = s12 + k; }
            }
          }
          result[index] = ${within('s11', 'n1')} + ${within('s22', 'n2')} - 2.0 * s12 / max(1.0, n1 * n2);
        }
      }
    `;
  }
}

export class MatchingGradientProgram extends FlatProgram {
  variableNames = ['h', 'd', 'sigma', 'cls', 'coef'];
  shaderKey = 'itraMatchingGradient';
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.hShape[0];
          let dim = uniforms.hShape[1];
          let i = index / dim;
          let f = index - i * dim;
          let negInv = -1.0 / sigma[0];
          let ci = cls[i];
          let c = i32(ci);
          let iFirst = i < uniforms.m1;
          let hi = h[index];
          var acc = 0.0;
          for (var j = 0; j < n; j = j + 1) {
            if (cls[j] != ci) { continue; }
            let jFirst = j < uniforms.m1;
            var w = coef[2 * uniforms.classes + c];
            if (iFirst && jFirst) { w = 2.0 * coef[c]; }
            if (!iFirst && !jFirst) { w = 2.0 * coef[uniforms.classes + c]; }
            acc = acc + w * exp(d[i * n + j] * negInv) * (hi - h[j * dim + f]);
          }
          result[index] = acc;
        }
      }
    `;
  }
}
