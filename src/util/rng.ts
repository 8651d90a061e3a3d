/**
 * Seeded pseudo-random numbers (mulberry32), so that a seed fixes the initial weights,
 * the batch order and the eval subset on every backend.
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds give unrelated streams.
    this.s = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** The generator's whole state (one uint32), for checkpoints. */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Uniform in [-limit, limit), as float32. */
  uniformArray(size: number, limit: number): Float32Array {
    const a = new Float32Array(size);
    for (let i = 0; i < size; i++) a[i] = (this.next() * 2 - 1) * limit;
    return a;
  }

  /** A derived generator, so that independent streams stay independent of call order. */
  fork(salt: number): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 31) ^ salt);
  }
}
