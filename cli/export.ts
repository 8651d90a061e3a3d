/**
 * Export a run as a PyTorch project.
 *
 *   npm run export -- --pytorch DIR RUN.json [--run ID|NAME|N]
 *   npm run export -- --pytorch DIR 'http://127.0.0.1:5173/?dataset=fmnist&method=itra-c&…'
 *
 * Writes DIR/train.py, DIR/config.json and DIR/README.md (src/export/pytorchExport.ts). The
 * source is a run record or bundle ("Export" / "Export all" in the app, `npm run train --out`),
 * or a settings URL (the app's address bar, or just its query string).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseRunFile, type RunRecord } from '../src/engine/runRecord';
import {
  exportInputFromConfig,
  exportInputFromRecord,
  type PytorchExportInput,
  pytorchExportFiles,
} from '../src/export/pytorchExport';
import { queryToState } from '../src/state/urlConfig';

export const TRAIN_PY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../export/pytorch/train.py',
);

const USAGE = `Usage:
  npm run export -- --pytorch DIR RUN.json [--run ID|NAME|N]
  npm run export -- --pytorch DIR SETTINGS_URL

  --pytorch DIR   write train.py, config.json and README.md into DIR (created if needed)
  RUN.json        a run record or an "Export all" bundle (--run picks one run of a bundle:
                  its id, its name, or its 1-based position)
  SETTINGS_URL    a playground link (or its ?query): exports those settings, untrained
  --name NAME     the exported run's name (default: the run's, or one made from the settings)
`;

export interface ExportIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: ExportIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

class UsageError extends Error {}

/** A settings URL (or query string) rather than a file path. */
export function looksLikeUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('?');
}

function pickRun(runs: RunRecord[], which: string | undefined, file: string): RunRecord {
  if (runs.length === 0) throw new UsageError(`${file} holds no runs`);
  if (which === undefined) {
    if (runs.length === 1) return runs[0]!;
    const list = runs.map((r, i) => `  ${i + 1}. ${r.name} (${r.id})`).join('\n');
    throw new UsageError(`${file} holds ${runs.length} runs: pick one with --run\n${list}`);
  }
  const n = Number(which);
  const byIndex = Number.isInteger(n) && n >= 1 && n <= runs.length ? runs[n - 1] : undefined;
  const found = runs.find((r) => r.id === which) ?? runs.find((r) => r.name === which) ?? byIndex;
  if (!found) throw new UsageError(`no run "${which}" in ${file}`);
  return found;
}

function inputFrom(source: string, run: string | undefined): PytorchExportInput {
  if (looksLikeUrl(source)) {
    const query = source.startsWith('?') ? source : new URL(source).search;
    const parsed = queryToState(query);
    if (parsed.problems.length) {
      throw new UsageError(
        `the settings URL has invalid values:\n  ${parsed.problems.join('\n  ')}`,
      );
    }
    return exportInputFromConfig(parsed.config);
  }
  if (!existsSync(source)) throw new UsageError(`${source}: no such file`);
  const runs = parseRunFile(readFileSync(source, 'utf8'));
  return exportInputFromRecord(pickRun(runs, run, source));
}

export function main(argv: string[], io: ExportIo = defaultIo): number {
  let values: { pytorch?: string; run?: string; name?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        pytorch: { type: 'string' },
        run: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.err(`export: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.pytorch || positionals.length !== 1) {
    io.err(`export: give --pytorch DIR and one run file or settings URL\n\n${USAGE}`);
    return 2;
  }
  let input: PytorchExportInput;
  try {
    input = inputFrom(positionals[0]!, values.run);
  } catch (e) {
    io.err(`export: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
  if (values.name) input = { ...input, name: values.name };
  const dir = values.pytorch;
  const files = pytorchExportFiles(input, readFileSync(TRAIN_PY, 'utf8'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const steps = input.steps > 0 ? `${input.steps} steps` : 'until --steps N';
  io.out(
    `Exported "${input.name}" (${input.config.dataset} ${input.config.model} ${input.config.method}, ${steps}) → ${dir}/\n` +
      `  ${Object.keys(files).join(', ')}\n` +
      `  run it: python ${path.join(dir, 'train.py')} --data-dir <folder with the ${input.config.dataset} files>${input.split === 'carved' ? ' --carve' : ''}\n`,
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
