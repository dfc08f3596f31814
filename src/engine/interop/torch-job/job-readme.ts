// README.md of an exported job: how to run it (torchrun, Slurm, Kubernetes), what it writes, how
// to bring it back, and where it differs from the studio's own training.
import type { JobConfigFile } from './job-format';

export function jobReadme(opts: { config: JobConfigFile; counts: { train: number; valid: number; test: number } }): string {
  const { config: job, counts } = opts;
  const r = job.run;
  return `# seg-studio training job: run ${job.runId} "${job.runName}"

Exported ${job.exportedAt} (job id \`${job.jobId}\`). A PyTorch DistributedDataParallel job that
trains this run's configuration: ${r.model} base ${r.base} at ${r.size}², ${r.epochs} epochs,
batch ${r.batchSize} per process, Adam lr ${r.learningRate} (${r.schedule}${r.schedule === 'cosine' ? ` to ${r.minLearningRate}` : ''}),
BCE + Dice, seed ${r.seed}, augmentation ${r.augment.enabled ? 'on' : 'off'}.
Dataset: \`${job.dataset.path}\` (${job.dataset.layout} layout): ${counts.train} train, ${counts.valid} valid, ${counts.test} test images.

Needs Python 3 with torch (1.13 or newer) and numpy and Pillow. Nothing else.

| file | holds |
|---|---|
| \`train.py\` | the training loop (DDP, DistributedSampler, checkpoints, metrics) |
| \`models.py\` | the studio's reference PyTorch UNet / ResNet34-UNet (the studio is tested against it) |
| \`data.py\` | the dataset: Oxford-IIIT Pet (trimaps 1 and 3 = pet) and images/ + masks/ layouts |
| \`augment.py\` | the studio's augmentation pipeline in numpy |
| \`config.json\` | the run's configuration and the dataset's path |
| \`splits.json\` | the studio's train/valid/test split of the dataset, one entry per image (paths relative to the dataset) |

## Run it

One machine, N processes (N GPUs; on a CPU-only machine, N processes of gloo):

\`\`\`sh
torchrun --standalone --nproc_per_node=N train.py
\`\`\`

Overrides: \`--data DIR\` (the dataset's folder on this machine; the same layout and file names),
\`--epochs E\` (the cosine schedule spans E), \`--out DIR\` (default \`output/\` here),
\`--batch-size B\` (per process), \`--workers W\` (loader processes per rank; default 4 on GPU, 0 on CPU),
\`--backend nccl|gloo\`${r.encoderWeights === 'imagenet' ? ', `--encoder-weights FILE` (torchvision\'s resnet34 ImageNet .pth)' : ''}. \`python3 train.py\` alone trains in one process.

Several machines (every node runs the same command; HOST is the first node):

\`\`\`sh
torchrun --nnodes=M --nproc_per_node=N --rdzv_id=seg-${job.runId} --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py --data /shared/dataset --out /shared/out-${job.runId}
\`\`\`

Only rank 0 writes the output folder (and reads it back for the others), so it need not be shared
between nodes; keep it where a restart on the same first node finds it: a job started again with
the same \`--out\` continues from \`snapshot.pt\`.

### Slurm

\`\`\`sh
#!/bin/bash
#SBATCH --job-name=seg-${job.runId}
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes="$SLURM_NNODES" --nproc_per_node=4 \\
  --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$head:29500" \\
  train.py --data /shared/dataset --out /shared/out-${job.runId}
\`\`\`

### Kubernetes (Kubeflow training operator)

A \`PyTorchJob\` whose workers run \`torchrun\` with \`--nnodes\` and the c10d rendezvous; the operator
sets \`MASTER_ADDR\`/\`MASTER_PORT\`, and the image must hold this folder and reach the dataset
(e.g. a volume). See the studio's docs/cluster.md for a complete manifest.

### Debian's torch 1.13 on Python 3.11

Its launcher fails at start with \`AttributeError: 'NoneType' object has no attribute 'get'\`
(\`to_map\` in torch/distributed/elastic/multiprocessing/api.py: Python 3.11's IntFlag no longer
lists \`Std.NONE\`). Give it a redirect it can parse: \`torchrun --redirects 2 --tee 2 ...\` (each
rank's stderr also goes to a log file). torch 2.x is not affected.

## What it writes (\`output/\`)

- \`metrics.jsonl\`: one JSON line per epoch: trainLoss, trainBce, trainDiceLoss, trainDice, validBce,
  validDiceLoss, validDice, learningRate, seconds, imagesPerSecond, bestValidDice, bestEpoch, worldSize.
- \`best.pth\`: the state_dict of the best validation Dice; \`last.pth\`: after the latest epoch
  (both plain \`torch.save(model.state_dict())\`, keys as in models.py).
- \`snapshot.pt\`: model, optimizer and progress, to continue an interrupted job.
- \`job.json\`: how the job ran (world size, device, the configuration after overrides);
  \`summary.json\` once it finished: the best epoch and the test split's Dice with the best weights.

Back in the studio: \`seg-studio import-job THIS_FOLDER\` (or the output folder) makes a run with these
epochs, curves and weights, to predict and label with like any other run.

## Where it differs from the studio's own training

- The same: the models (models.py is the studio's reference), the loss (BCE on
  probabilities clipped to [1e-7, 1 − 1e-7], soft Dice with ε 1e-6), the metric (mean per-image
  Dice at 0.5, both empty = 1), Adam (eps 1e-8), the per-epoch cosine, the splits (splits.json),
  the resize (the studio's antialiased triangle filter, ported), and the augmentation: the same
  groups, probabilities and parameters, drawn from the studio's own generator with the same
  per-(seed, epoch, image) seeding, so an image gets the same crop, angle, flip, colour and noise.
- Photos are decoded by Pillow, not libvips; photos with an embedded colour profile are converted
  to sRGB with littleCMS as libvips does (Pillow's ImageCms; without it, the profile is ignored).
  On the studio's test photos the job's augmented inputs equal the studio's except for one grey
  level in under 0.1 % of the values, in the profile-tagged photos.
- Ties in rounding (a resized or rotated value at exactly .5) may go the other way: the sums run
  in another order.
- The order of images per epoch is DistributedSampler's (seeded by seed + epoch), and each process
  takes every N-th image of it, padding the last round with repeats so the processes stay in step.
- The batch is per process: N processes train on N × ${r.batchSize} images a step, with batch-norm
  statistics per process (no SyncBatchNorm); the learning rate is not rescaled.
- A time budget (\`minutes\`) is not applied: the job trains \`epochs\` (${r.epochs}).
- Weights start from PyTorch's default initialisation, not the studio's${r.encoderWeights === 'imagenet' ? `; the encoder starts from
  torchvision's ResNet-34 ImageNet weights: \`--encoder-weights FILE\` (a torchvision resnet34 .pth),
  else the run's encoderWeightsPath if it exists on this machine, else torchvision's download (needs torchvision)` : ''}.
`;
}
