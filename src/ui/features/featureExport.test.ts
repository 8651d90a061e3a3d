/** The feature views' files (CSV rows, SVG marks) and the scatter's arrow-key move. */
import { describe, expect, it } from 'vitest';
import type { EmbeddingFrame, RunRecord } from '../../engine/runRecord';
import { MARKERS, markerPath } from './classStyle';
import { divergedNote, noEmbeddingReason } from './featureData';
import {
  classBarsCsv,
  classBarsSvg,
  confusionCsv,
  confusionSvg,
  fitFrame,
  scatterCsv,
  scatterSvg,
} from './featureExport';
import { nextPoint } from './ScatterCanvas';

const names = ['T-shirt', 'Trouser, long', 'Bag'];
const frame: EmbeddingFrame = {
  step: 50,
  method: 'pca',
  xy: [0, 0, 1, 0, 0, 1, -1, -1],
  pred: [0, 2, 1, 1],
};
const subset = { indices: [4, 9, 12, 30], labels: [0, 1, 1, 2] };
const theme = { text: '#111', muted: '#555', bg: '#fff', grid: '#eee' };

describe('feature view files', () => {
  it('scatter CSV: a header and one row per point, names quoted where needed', () => {
    const lines = scatterCsv('run A', frame, subset, names).trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('run,step,method,point,test_index,true,predicted,x,y');
    expect(lines[2]).toBe('run A,50,pca,1,9,"Trouser, long",Bag,1,0');
  });
  it('scatter SVG: one mark per point plus one per legend entry, the theme background', () => {
    const { svg } = scatterSvg('t', frame, subset.labels, names, theme);
    expect(svg.match(/<path /g)).toHaveLength(4 + 3);
    expect(svg).toContain('fill="#fff"');
  });
  it('confusion CSV and SVG: rows = true class, every non-zero count printed', () => {
    const c = [
      [5, 1, 0],
      [0, 7, 2],
      [3, 0, 9],
    ];
    const lines = confusionCsv('r', 10, c, names).trim().split('\n');
    expect(lines[1]).toBe('r,10,T-shirt,5,1,0');
    const { svg } = confusionSvg('t', c, names, theme);
    expect(svg.match(/<rect x=/g)).toHaveLength(9);
    for (const v of [5, 1, 7, 2, 3, 9]) expect(svg).toContain(`>${v}</text>`);
  });
  it('class bars CSV and SVG, a missing class as an empty value and a dash', () => {
    expect(classBarsCsv('r', 10, 'accuracy', [0.5, null, 1], names).trim().split('\n')[2]).toBe(
      'r,10,"Trouser, long",',
    );
    const { svg } = classBarsSvg('t', [0.5, null, -0.25], names, (v) => v.toFixed(2), theme, {
      signed: true,
    });
    expect(svg).toContain('>+0.50<');
    expect(svg).toContain('>—<');
    expect(svg).toContain('>-0.25<');
  });
  it('every class marker has a path', () => {
    for (const m of MARKERS) expect(markerPath(m, 5, 5, 3)).toMatch(/^M/);
  });
});

describe('arrow keys in the scatter', () => {
  it('moves to the nearest point in the arrow direction, and stays at an edge', () => {
    const s = fitFrame(frame.xy, 100);
    expect(nextPoint(s, 0, 1, 0)).toBe(1); // right of the origin: (1, 0)
    expect(nextPoint(s, 0, 0, -1)).toBe(2); // up on screen: (0, 1)
    expect(nextPoint(s, 0, -1, 0)).toBe(3);
    expect(nextPoint(s, 1, 1, 0)).toBe(1); // nothing further right
  });
});

describe('captions', () => {
  const pca = (step: number): EmbeddingFrame => ({ step, method: 'pca', xy: [], pred: [] });
  const rec = (over: Partial<RunRecord>) =>
    ({
      status: 'completed',
      embeddings: [pca(5), pca(10)],
      config: { embedSize: 500 },
      ...over,
    }) as RunRecord;
  it("a diverged run's last frame says so; earlier frames and other runs do not", () => {
    const diverged = rec({ status: 'diverged' });
    expect(divergedNote(diverged, pca(10))).toContain('diverged');
    expect(divergedNote(diverged, pca(5))).toBe('');
    expect(divergedNote(rec({}), pca(10))).toBe('');
  });
  it('no embedding: recorded before the views (migrated) vs the views off', () => {
    expect(
      noEmbeddingReason(rec({ migratedFrom: 1, config: { embedSize: 0 } as never })),
    ).toContain('version-1 file) before the app had feature views');
    expect(noEmbeddingReason(rec({ config: { embedSize: 0 } as never }))).toContain('views off');
  });
});
