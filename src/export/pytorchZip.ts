/**
 * The exported PyTorch folder as one .zip (what the app downloads): the folder's files under
 * one top-level folder named after the run. fflate (zero dependencies, ~8 kB of the zip part)
 * writes a standard deflate zip that every unzip tool opens; the app loads it on demand.
 */
import { strToU8, zipSync } from 'fflate';
import { exportFolderName, type PytorchExportInput, pytorchExportFiles } from './pytorchExport';

export function pytorchExportZip(
  input: PytorchExportInput,
  trainPy: string,
  exportedAt?: string,
): { fileName: string; bytes: Uint8Array } {
  const folder = exportFolderName(input);
  const files = pytorchExportFiles(input, trainPy, exportedAt);
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[`${folder}/${name}`] = strToU8(text);
  return { fileName: `${folder}.zip`, bytes: zipSync(entries, { level: 6 }) };
}
