/**
 * UMAP on demand from features kept on the backend: a kept step projects to one point per
 * image, a cancel stops it, an unknown step says so, and reset frees the kept tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { FrameResult } from '../engine/features/embedding';
import { type ProjectionReply, Projections } from './projections';

function views(step: number, n = 60, dim = 8): FrameResult {
  // Two well-separated clusters.
  const features = tf.tidy(() =>
    tf.add(
      tf.randomNormal([n, dim], 0, 0.1, 'float32', step),
      tf.concat([tf.zeros([n / 2, dim]), tf.ones([n / 2, dim])]),
    ),
  ) as tf.Tensor2D;
  const pred = Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
  return {
    frame: { step, method: 'pca', xy: [], pred },
    classIntra: [],
    silhouette: null,
    features,
  };
}

const now = () => Promise.resolve();

describe('Projections', () => {
  it('projects a kept step, refuses an unknown one, and frees the tensors on reset', async () => {
    const before = tf.memory().numTensors;
    const p = new Projections();
    p.keep('a', views(5));
    p.keep('a', views(10));
    expect(p.steps('a')).toEqual([5, 10]);
    const replies: ProjectionReply[] = [];
    await p.run('a', 10, (r) => replies.push(r), now);
    const done = replies.at(-1)!;
    expect(done.type === 'projection' && done.outcome).toBe('done');
    if (done.type !== 'projection') throw new Error('no result');
    expect(done.frame!.xy).toHaveLength(120);
    expect(done.frame!.method).toBe('umap');
    expect(done.frame!.xy.every(Number.isFinite)).toBe(true);
    expect(replies.some((r) => r.type === 'projection-progress')).toBe(true);

    const missing: ProjectionReply[] = [];
    await p.run('a', 7, (r) => missing.push(r), now);
    expect(missing[0]).toMatchObject({ outcome: 'failed' });

    const cancelled: ProjectionReply[] = [];
    const run = p.run('a', 5, (r) => cancelled.push(r), now);
    p.cancel();
    await run;
    expect(cancelled.at(-1)).toMatchObject({ outcome: 'cancelled' });

    p.reset();
    expect(p.steps('a')).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
