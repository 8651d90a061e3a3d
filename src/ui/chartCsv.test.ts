import { describe, expect, it } from 'vitest';
import { chartsCsv, csvField, fileSlug } from './chartCsv';
import { prepareSeries } from './chartData';

const points = [0, 4, 8].map((step, i) => ({
  step,
  epoch: step / 100,
  testAcc: 0.1 + i * 0.2,
}));

describe('chart CSV', () => {
  it('has one row per run and step with the drawn (smoothed) and the raw value', () => {
    const series = prepareSeries({ id: 'r1', points: points as never }, 'testAcc', {
      smoothing: 0.5,
      logScale: false,
      maxPoints: 500,
    });
    const csv = chartsCsv([
      { metric: 'testAcc', lines: [{ name: 'ITRA, λ=0.8', id: 'r1', series }] },
    ]);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('metric,run,run_id,step,epoch,value,raw');
    expect(lines).toHaveLength(4);
    const cells = lines.map((l) => l.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/));
    expect(cells.slice(1).map((c) => Number(c[3]))).toEqual([0, 4, 8]);
    expect(cells[1][1]).toBe('"ITRA, λ=0.8"');
    // Smoothed differs from raw after the first point; raw is the recorded value.
    expect(Number(cells[3][6])).toBeCloseTo(0.5);
    expect(Number(cells[3][5])).toBeLessThan(0.5);
  });

  it('leaves raw empty without smoothing, and quotes what needs quoting', () => {
    const series = prepareSeries({ id: 'r', points: points as never }, 'testAcc', {
      smoothing: 0,
      logScale: false,
      maxPoints: 500,
    });
    const row = chartsCsv([{ metric: 'testAcc', lines: [{ name: 'a', id: 'r', series }] }]).split(
      '\n',
    )[1];
    expect(row).toBe('testAcc,a,r,0,0,0.1,');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });

  it('names files after the chart', () => {
    expect(fileSlug('Test cross-entropy')).toBe('test-cross-entropy');
    expect(fileSlug('σ')).toBe('sigma');
    expect(fileSlug('???')).toBe('chart');
  });
});
