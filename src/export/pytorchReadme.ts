/**
 * The README.md of an exported PyTorch folder: how to run this run's train.py on one CPU, one
 * GPU, several GPUs (torchrun) and under SLURM, what is identical to the browser engine, and
 * how the curves come back. Pure text from the export's input.
 */
import { DATASETS } from '../data/registry';
import type { PytorchExportInput } from './pytorchExport';

const DATA_FOLDER: Record<string, string> = {
  fmnist: 'fashion-mnist',
  kmnist: 'kmnist',
  cifar10: 'cifar10',
};

export function pytorchReadme(input: PytorchExportInput): string {
  const c = input.config;
  const info = DATASETS[c.dataset];
  const folder = DATA_FOLDER[c.dataset] ?? c.dataset;
  const files = info.files.map((f) => `\`${f.name}\``).join(', ');
  const steps =
    input.steps > 0
      ? `${input.steps.toLocaleString('en-US')} steps (\`--steps N\` changes it)`
      : 'no fixed number of steps: the run was stopped by hand, so pass `--steps N`';
  const carve = input.split === 'carved' ? ' --carve' : '';
  const stepsFlag = input.steps > 0 ? '' : ' --steps 1000';
  const changes =
    input.changes.length > 0
      ? `\nThe source run changed settings while it trained (${input.changes
          .map((e) => `${e.setting} → ${e.to} at step ${e.step}`)
          .join(
            ', ',
          )}); train.py replays these changes at the same steps (\`--no-changes\` ignores them).\n`
      : '';
  return `# ${input.name} — PyTorch export

Exported from ITRA Playground. \`train.py\` trains exactly what the playground's engine trains
for these settings (\`config.json\`): ${info.name}, model \`${c.model}\`, method \`${c.method}\`,
seed ${c.seed}, ${steps}.
${changes}
Files:

- \`train.py\`: the training script, one file, commented. The same for every export; the run is
  in \`config.json\`. \`python train.py --help\` lists its flags.
- \`config.json\`: the run's settings, exactly as the playground holds them (\`config\`), the
  steps to train, whether the split was carved, and the live changes to replay.
- \`README.md\`: this file.

Requirements: Python 3.8+, PyTorch 1.13 or later, numpy. Nothing else (on Debian/Ubuntu:
\`apt-get install python3-torch\`; elsewhere \`pip install torch numpy\`).

## The data

Put the official ${info.name} files (${files}) in a folder, \`.gz\` or decompressed, and pass it
with \`--data-dir\`. The folder of \`npm run data\`'s cache works as it is (\`.data-cache/\` or
\`.data-cache/${c.dataset}/\`), and so does torchvision's root (\`FashionMNIST/raw/\`,
\`KMNIST/raw/\`, \`cifar-10-batches-py/\`). Without \`--data-dir\`, train.py looks in \`./data\`.

## Run it

One CPU:

\`\`\`bash
python train.py --data-dir ~/data/${folder}${carve}${stepsFlag} --device cpu --out run-pytorch.json
\`\`\`

One GPU (\`--device auto\`, the default, takes the GPU when there is one):

\`\`\`bash
python train.py --data-dir ~/data/${folder}${carve}${stepsFlag} --device cuda --out run-pytorch.json
\`\`\`

Several GPUs on one machine (DistributedDataParallel, one process per GPU):

\`\`\`bash
torchrun --standalone --nproc_per_node 4 train.py --data-dir ~/data/${folder}${carve}${stepsFlag} --out run-4gpu.json
\`\`\`

Several processes on a CPU-only machine work the same way (the gloo backend):
\`torchrun --standalone --nproc_per_node 2 train.py --device cpu …\`.
(PyTorch 1.13 on Python 3.11, as in Debian 12: if torchrun stops at once with
\`AttributeError: 'NoneType' object has no attribute 'get'\`, add \`--redirects 1 --tee 1\`, a
workaround for that launcher's bug.)

SLURM (two nodes, four GPUs each; adapt the partition and paths):

\`\`\`bash
#!/bin/bash
#SBATCH --job-name=itra
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=02:00:00

head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes "$SLURM_NNODES" --nproc_per_node 4 \\
  --rdzv_id "$SLURM_JOB_ID" --rdzv_backend c10d --rdzv_endpoint "$head:29500" \\
  train.py --data-dir /scratch/$USER/${folder}${carve}${stepsFlag} --out run-$SLURM_JOB_ID.json
\`\`\`

## Bring the curves back

train.py writes the run record (\`--out\`, default \`run-pytorch.json\`) in the playground's
schema at every eval step, so a job cut short still leaves its curve. In the playground: Runs
→ **Import…**, pick the file: its curves are drawn over the browser runs, and its environment
says where it ran (PyTorch version, device, number of processes).

## What is identical to the browser run

- **Initial weights and batches**: train.py re-implements the engine's seeded generator
  (mulberry32) bit for bit, so the seed alone gives the identical initial weights (PyTorch's
  default init, drawn in the engine's order and transposed to PyTorch's layout), the identical
  S1/S2 sequence, crops and flips, label noise and eval subset. \`--save-init init.pt\` writes
  the initial weights; \`--init init.pt\` starts from a saved state_dict.
- **The method**: the same models (E and C apart), losses, σ (median, floored), estimators,
  warm-up, optimizer (SGD in PyTorch's form with coupled weight decay, or AdamW), schedules,
  augmentation and metrics at the same eval steps, with the engine's conventions (the project's
  ITRA and discern specs). The first step's loss and updated weights agree with the engine's
  (tfjs cpu backend) to float32 tolerance: \`--dump-first-step FILE\` writes them, in the
  engine's layout, for such a comparison.
- **Distributed**: with \`torchrun\`, each epoch's permutation is the same on every rank and each
  rank takes its own disjoint shard of it for its S1 (and S2, from the second stream); crops
  and flips come from per-rank seeded streams. The matching loss is computed on each rank's
  own features, so each MMD is over the same batch sizes as one-process training (gathering
  features across ranks would be the alternative); DDP averages the gradients; evaluation and
  the record come from rank 0 (train CE is the mean over ranks). One process and
  \`torchrun --nproc_per_node 1\` give identical records. With N processes a step sees N times
  the examples, so the epoch readout advances N times as fast.
- **Not replayed**: pauses (a paused browser run also evaluated after each single step) and
  wall-clock figures. GPUs compute in float32 with TF32 off (\`--tf32\` allows it).
`;
}
