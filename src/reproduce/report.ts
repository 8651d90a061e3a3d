/**
 * report.md of a sweep: the budget, Table-1-style best λ per method (with the paper's own
 * Table 1 beside ours where it has one), the full grid, and the paired comparison with
 * vanilla. Pure text from the summaries, so it is tested against a golden file.
 */
import type { DatasetId } from '../data/dataset';
import { METHOD_LABELS, type TrainConfig } from '../engine/config';
import type { Summary } from './stats';
import {
  bestPerMethod,
  type GroupSummary,
  type PairedComparison,
  pairedWithVanilla,
} from './summary';

/** The paper's Table 1 (Li et al., AAAI-23), test accuracy % / test CE, trained to convergence. */
export const PAPER_TABLE1: Partial<
  Record<
    DatasetId,
    { vanilla: [number, number]; itra: { lambda: number; acc: number; ce: number } }
  >
> = {
  kmnist: { vanilla: [95.57, 0.183], itra: { lambda: 0.8, acc: 95.79, ce: 0.17 } },
  fmnist: { vanilla: [92.43, 0.294], itra: { lambda: 0.6, acc: 92.57, ce: 0.224 } },
};

export interface ReportContext {
  title: string;
  /** The settings every run shares (the grid's base). */
  base: TrainConfig;
  trainSize: number;
  /** A line on what the budget is, e.g. "preset table1-fmnist at 1,000 steps". */
  budget?: string;
  figures?: string[];
}

const num = (x: number | null | undefined, d = 3) => (x == null ? '—' : x.toFixed(d));

/** "92.31 ± 0.40" (percent) or "0.301 ± 0.012"; "—" without data; no ± for one seed. */
export function meanSd(s: Summary, percent: boolean): string {
  if (s.mean === null) return '—';
  const f = percent ? (x: number) => (x * 100).toFixed(2) : (x: number) => x.toFixed(3);
  return s.sd === null ? f(s.mean) : `${f(s.mean)} ± ${f(s.sd)}`;
}

function interval(s: Summary, percent: boolean): string {
  if (!s.ci95) return '—';
  const f = percent ? (x: number) => (x * 100).toFixed(2) : (x: number) => x.toFixed(3);
  return `[${f(s.ci95[0])}, ${f(s.ci95[1])}]`;
}

function runsCell(g: GroupSummary): string {
  const notes: string[] = [];
  if (g.diverged) notes.push(`${g.diverged} diverged, left out of the mean`);
  if (g.collapsed) notes.push(`${g.collapsed} collapsed`);
  return `${g.n} of ${g.runs.length}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

function methodCell(g: GroupSummary): string {
  return METHOD_LABELS[g.method];
}

function lambdaCell(g: GroupSummary): string {
  return g.lambda === null ? '—' : String(g.lambda);
}

function otherCells(g: GroupSummary, keys: string[]): string[] {
  return keys.map((k) => String(g.coords[k] ?? '—'));
}

function otherKeys(groups: readonly GroupSummary[]): string[] {
  const keys = new Set<string>();
  for (const g of groups)
    for (const k of Object.keys(g.coords)) if (k !== 'method' && k !== 'lambda') keys.add(k);
  return [...keys].sort();
}

function paperRows(dataset: DatasetId): string[] {
  const p = PAPER_TABLE1[dataset];
  if (!p) return [];
  return [
    '',
    `The paper's own Table 1 (${dataset}, trained to convergence; **the paper's numbers, not ours**):`,
    '',
    '| method | λ | test acc % | test CE |',
    '|---|---:|---:|---:|',
    `| Vanilla SGD (paper) | — | ${p.vanilla[0]} | ${p.vanilla[1]} |`,
    `| ITRA (paper) | ${p.itra.lambda} | ${p.itra.acc} | ${p.itra.ce} |`,
  ];
}

function pairedRows(pairs: PairedComparison[], keys: string[]): string[] {
  if (!pairs.length) return [];
  const head = [
    'method',
    'λ',
    ...keys,
    'seeds',
    'Δ test acc (pp)',
    '95% interval',
    'Δ test CE',
    '95% interval',
  ];
  return [
    '',
    '## Paired with vanilla on the same seeds',
    '',
    'Same seed = same initial weights and the same S1/S2 batches (the twin design); each row is',
    'the mean of the per-seed differences (method − vanilla) with its 95% interval (Student t).',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 + keys.length ? '---' : '---:')).join('|')}|`,
    ...pairs.map((p) => {
      const acc = p.testAcc;
      const ce = p.testCE;
      return `| ${methodCell(p.group)} | ${lambdaCell(p.group)} | ${otherCells(p.group, keys).join(' | ')}${keys.length ? ' | ' : ''}${acc.seeds.length} | ${acc.mean === null ? '—' : (acc.mean * 100).toFixed(2)} | ${interval(acc, true)} | ${num(ce.mean)} | ${interval(ce, false)} |`;
    }),
  ];
}

export function renderReport(groups: readonly GroupSummary[], ctx: ReportContext): string {
  const b = ctx.base;
  const keys = otherKeys(groups);
  const seeds = [...new Set(groups.flatMap((g) => g.runs.map((r) => r.seed)))].sort(
    (x, y) => x - y,
  );
  const epochs = (b.maxSteps * b.batchSize) / Math.max(1, ctx.trainSize);
  const lines: string[] = [
    `# ${ctx.title}`,
    '',
    `Dataset ${b.dataset}, model ${b.model}, ${b.maxSteps.toLocaleString('en-US')} steps at batch ${b.batchSize} ` +
      `(${epochs.toFixed(2)} epochs of ${ctx.trainSize.toLocaleString('en-US')} training images), warm-up ${b.warmup}, ` +
      `${b.optimizer === 'sgd' ? `SGD momentum ${b.momentum}` : 'Adam'}, lr ${b.lr}, eval on ${b.evalSize.toLocaleString('en-US')} test images; ` +
      `seeds ${seeds.join(', ')}.`,
  ];
  if (ctx.budget) lines.push('', ctx.budget);
  lines.push(
    '',
    'Final = at the last step; best/min = over the eval steps. Mean ± sample sd over seeds.',
    '',
    "## Best λ per method (as the paper's Table 1 reports it)",
    '',
    'Best = highest mean final test accuracy (ties: lower mean final test CE); a λ where a seed diverged ranks below those whose seeds all finished.',
    '',
  );
  const head = ['method', 'λ', ...keys, 'runs', 'final test acc %', 'final test CE'];
  lines.push(
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 + keys.length ? '---' : '---:')).join('|')}|`,
  );
  for (const g of bestPerMethod(groups)) {
    lines.push(
      `| ${methodCell(g)} | ${lambdaCell(g)} | ${[...otherCells(g, keys), runsCell(g)].join(' | ')} | ${meanSd(g.metrics.finalTestAcc, true)} | ${meanSd(g.metrics.finalTestCE, false)} |`,
    );
  }
  lines.push(...paperRows(b.dataset));
  const full = [
    'method',
    'λ',
    ...keys,
    'runs',
    'final test acc %',
    '95% interval',
    'best test acc %',
    'final test CE',
    'min test CE',
    'final intra-class dist',
  ];
  lines.push(
    '',
    '## The full grid',
    '',
    `| ${full.join(' | ')} |`,
    `|${full.map((_, i) => (i < 2 + keys.length ? '---' : '---:')).join('|')}|`,
  );
  for (const g of groups) {
    const m = g.metrics;
    lines.push(
      `| ${methodCell(g)} | ${lambdaCell(g)} | ${[...otherCells(g, keys), runsCell(g)].join(' | ')} | ${meanSd(m.finalTestAcc, true)} | ${interval(m.finalTestAcc, true)} | ${meanSd(m.bestTestAcc, true)} | ${meanSd(m.finalTestCE, false)} | ${meanSd(m.minTestCE, false)} | ${meanSd(m.finalIntraDist, false)} |`,
    );
  }
  lines.push(...pairedRows(pairedWithVanilla(groups), keys));
  if (ctx.figures?.length) {
    lines.push('', '## Figures', '', ...ctx.figures.map((f) => `- ![${f}](${f})`));
  }
  return `${lines.join('\n')}\n`;
}
