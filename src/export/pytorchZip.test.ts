/** The app's download: one folder of three files in a zip any unzip tool opens. */
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../engine/config';
import { exportInputFromConfig } from './pytorchExport';
import { pytorchExportZip } from './pytorchZip';

describe('PyTorch export zip', () => {
  it('holds train.py, config.json and README.md under the run-named folder', () => {
    const input = exportInputFromConfig({ ...DEFAULT_CONFIG, maxSteps: 100 }, 'my run');
    const { fileName, bytes } = pytorchExportZip(input, 'print("hi")\n');
    expect(fileName).toBe('my-run-pytorch.zip');
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual([
      'my-run-pytorch/README.md',
      'my-run-pytorch/config.json',
      'my-run-pytorch/train.py',
    ]);
    expect(strFromU8(files['my-run-pytorch/train.py']!)).toBe('print("hi")\n');
    expect(JSON.parse(strFromU8(files['my-run-pytorch/config.json']!)).steps).toBe(100);
  });
});
