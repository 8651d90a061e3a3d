import { describe, expect, it } from 'vitest';
import { canCarve, guessDataset, splitPresence } from './datasetFiles';

const IDX = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

describe('opened dataset files', () => {
  it('sees both splits in the four IDX files', () => {
    const p = splitPresence('fmnist', IDX);
    expect(p).toEqual({ train: true, test: true, unknown: [] });
    expect(canCarve(p)).toBe(false);
  });

  it('offers carving for KMNIST test only (plus the stray train labels)', () => {
    const p = splitPresence('kmnist', [
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte',
      'train-labels-idx1-ubyte.gz',
    ]);
    expect(p.train).toBe(false);
    expect(p.test).toBe(true);
    expect(canCarve(p)).toBe(true);
  });

  it('understands CIFAR-10 archives and loose batches', () => {
    expect(splitPresence('cifar10', ['cifar-10-binary.tar.gz'])).toMatchObject({
      train: true,
      test: true,
    });
    expect(canCarve(splitPresence('cifar10', ['test_batch.bin']))).toBe(true);
    expect(
      splitPresence('cifar10', ['data_batch_1.bin', 'test_batch.bin', 'x.txt']).unknown,
    ).toEqual(['x.txt']);
  });

  it('guesses the dataset: the selection decides between the MNIST look-alikes', () => {
    expect(guessDataset(IDX, 'kmnist')).toEqual({ id: 'kmnist', switched: false });
    expect(guessDataset(['cifar-10-binary.tar.gz'], 'fmnist')).toEqual({
      id: 'cifar10',
      switched: true,
    });
    expect(guessDataset(IDX, 'cifar10')).toHaveProperty('error');
    expect(guessDataset(['photo.jpg'], 'fmnist')).toHaveProperty('error');
  });
});
