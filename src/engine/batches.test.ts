/** Batches: S2 is drawn at every step but uploaded only when read; one-hot labels on the CPU. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../test/synthetic';
import { BatchSampler, disposeBatch } from './batches';

const data = syntheticDataset(100, 10);

describe('BatchSampler', () => {
  it('uploads S1 at once and S2 only when read, with the same images as if read every step', async () => {
    const lazy = new BatchSampler(data.train, 10, 8, 6, 3);
    const eager = new BatchSampler(data.train, 10, 8, 6, 3);
    for (let step = 0; step < 30; step++) {
      const before = tf.memory().numTensors;
      const a = lazy.next();
      expect(tf.memory().numTensors - before).toBe(2);
      const b = eager.next();
      const readEager = [b.x2, b.y2];
      expect(readEager).toHaveLength(2);
      if (step % 7 === 6) {
        // Read inside a tidy, as trainStep and evaluate do: S2 must outlive that scope.
        tf.tidy(() => {
          tf.add(a.x2, 1);
        });
        expect(tf.memory().numTensors - before).toBe(8);
        expect(await a.x2.data()).toEqual(await b.x2.data());
        expect(await a.y2.data()).toEqual(await b.y2.data());
      }
      expect(await a.x1.data()).toEqual(await b.x1.data());
      disposeBatch(a);
      disposeBatch(b);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('builds one-hot float32 labels that match the images’ labels', async () => {
    const s = new BatchSampler(data.train, 10, 16, 16, 1);
    const b = s.next();
    const y = (await b.y1.array()) as number[][];
    expect(b.y1.dtype).toBe('float32');
    expect(b.y1.shape).toEqual([16, 10]);
    for (const row of y) {
      expect(row.reduce((a, v) => a + v, 0)).toBe(1);
      expect(row.filter((v) => v === 1)).toHaveLength(1);
    }
    // The class histogram of the batch matches the labels drawn (columns sum to counts).
    const counts = y.reduce((acc, row) => acc.map((c, k) => c + row[k]!), new Array(10).fill(0));
    expect(counts.reduce((a, c) => a + c, 0)).toBe(16);
    disposeBatch(b);
  });

  it('refuses to read S2 of a disposed batch', () => {
    const b = new BatchSampler(data.train, 10, 4, 4, 1).next();
    disposeBatch(b);
    expect(() => b.x2).toThrow(/disposed/);
  });
});
