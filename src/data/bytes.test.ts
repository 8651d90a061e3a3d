import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate } from './bytes.ts';

describe('formatBytes (MB = 10^6, one formatter for the UI and the CLIs)', () => {
  it('uses decimal units with their labels', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(5120)).toBe('5.1 kB');
    expect(formatBytes(3041136)).toBe('3.0 MB');
    // CIFAR-10's archive: the CLI and the UI both say 170.1 MB (not "162 MB").
    expect(formatBytes(170052171)).toBe('170.1 MB');
    expect(formatBytes(999_960_000)).toBe('1.0 GB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatRate(2_400_000)).toBe('2.4 MB/s');
  });
  it('durations', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});
