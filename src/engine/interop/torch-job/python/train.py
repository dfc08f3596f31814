#!/usr/bin/env python3
"""A seg-studio run as a PyTorch DistributedDataParallel job.

    torchrun --nproc_per_node=N train.py            # one machine, N processes (GPUs, or CPU cores)
    torchrun --nnodes=M --nproc_per_node=N --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py
    python3 train.py                                # one process, no launcher

Everything comes from config.json and splits.json next to this file; --data, --epochs and --out
override the dataset folder, the epoch count and the output folder (see README.md).
Per epoch, rank 0 writes OUT/last.pth (the model's state_dict), OUT/best.pth when the validation
Dice improved, OUT/snapshot.pt (model + optimizer + progress, for resuming), then appends one
JSON line to OUT/metrics.jsonl. A job started again with the same OUT continues from the snapshot
(what torchrun --max_restarts and a rescheduled Slurm/Kubernetes job need). At the end, the test
split is scored with the best weights and OUT/summary.json is written.
"""
import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from torch.utils.data import DataLoader, Sampler  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

import data  # noqa: E402
import models  # noqa: E402

BCE_CLIP = 1e-7  # the studio's clip before the log (engine/train/losses.ts)


def parse_args():
    p = argparse.ArgumentParser(description="Train the exported seg-studio run with DistributedDataParallel.")
    p.add_argument("--data", help="the dataset folder on this machine (default: the studio's path in config.json)")
    p.add_argument("--epochs", type=int, help="epochs to train (default: the run's); the cosine spans them")
    p.add_argument("--out", help="output folder (default: output/ next to train.py)")
    p.add_argument("--batch-size", type=int, help="images per process and step (default: the run's batch size)")
    p.add_argument("--workers", type=int, help="data loader processes per rank (default: 4 on GPU, 0 on CPU)")
    p.add_argument("--backend", choices=["auto", "nccl", "gloo"], default="auto", help="auto: nccl with CUDA, else gloo on CPU")
    p.add_argument("--encoder-weights", help="with encoderWeights imagenet: torchvision's resnet34 .pth on this machine "
                   "(default: the run's encoderWeightsPath if it exists here, else torchvision's download)")
    return p.parse_args()


def imagenet_encoder_state(args, cfg):
    """torchvision's ResNet-34 ImageNet weights for the encoder (fc.* dropped), as the studio's run loads them."""
    path = args.encoder_weights or cfg.get("encoderWeightsPath")
    if path and os.path.isfile(path):
        sd = torch.load(path, map_location="cpu")
    elif args.encoder_weights:
        sys.exit(f"{args.encoder_weights}: no such file (--encoder-weights)")
    else:
        import torchvision  # the official weights through torchvision's own download and cache
        sd = torchvision.models.resnet34(weights="IMAGENET1K_V1").state_dict()
    return {k: v for k, v in sd.items() if not k.startswith("fc.")}


def scheduled_lr(epoch, c):
    """The studio's shared/lr-schedule.ts: cosine per epoch from learningRate to minLearningRate
    (PyTorch's CosineAnnealingLR(T_max=epochs) in closed form), from scheduleStartEpoch on."""
    if c["schedule"] != "cosine":
        return c["learningRate"]
    start = min(c.get("scheduleStartEpoch", 0), max(c["epochs"] - 1, 0))
    total, e = c["epochs"] - start, epoch - start
    if total <= 0:
        return c["learningRate"]
    t = min(max(e, 0), total)
    return c["minLearningRate"] + (c["learningRate"] - c["minLearningRate"]) * (1 + math.cos(math.pi * t / total)) / 2


def loss_parts(p, y):
    """Per image: BCE (probabilities clipped as in the studio), soft Dice loss, thresholded Dice."""
    pc = p.clamp(BCE_CLIP, 1 - BCE_CLIP)
    bce = F.binary_cross_entropy(pc, y, reduction="none").mean(dim=(1, 2, 3))
    inter = (p * y).sum(dim=(1, 2, 3))
    den = y.sum(dim=(1, 2, 3)) + p.sum(dim=(1, 2, 3))
    dice_loss = 1 - (2 * inter + models.DICE_EPS) / (den + models.DICE_EPS)
    hard = (p > 0.5).float()
    h_inter = (y * hard).sum(dim=(1, 2, 3))
    h_den = y.sum(dim=(1, 2, 3)) + hard.sum(dim=(1, 2, 3))
    dice = torch.where(h_den == 0, torch.ones_like(h_den), 2 * h_inter / h_den.clamp(min=1))
    return bce, dice_loss, dice


class EpochIndices(Sampler):
    """Yields (epoch, index) so persistent loader workers (and their caches) see the epoch."""

    def __init__(self, inner):
        self.inner, self.epoch = inner, 0

    def set_epoch(self, epoch):
        self.epoch = epoch
        if hasattr(self.inner, "set_epoch"):
            self.inner.set_epoch(epoch)

    def __iter__(self):
        return ((self.epoch, i) for i in self.inner)

    def __len__(self):
        return len(self.inner)


class EpochDataset(data.SegmentationDataset):
    def __getitem__(self, key):
        epoch, i = key
        self.epoch = epoch
        return super().__getitem__(i)


def setup(backend_choice):
    if "RANK" not in os.environ:  # plain `python3 train.py`: a world of one
        os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(29400 + os.getpid() % 1000))
    cuda = torch.cuda.is_available() and backend_choice != "gloo"
    backend = backend_choice if backend_choice != "auto" else ("nccl" if cuda else "gloo")
    local_rank = int(os.environ["LOCAL_RANK"])
    if cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend)
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    return dist.get_rank(), dist.get_world_size(), device, backend


def loader(dataset, sampler, batch_size, drop_last, workers, device):
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=drop_last, num_workers=workers,
                      persistent_workers=workers > 0, pin_memory=device.type == "cuda")


@torch.no_grad()
def evaluate(model, items, encoding, size, batch_size, rank, world, device, workers):
    """Mean per-image BCE, soft Dice loss and Dice over `items`, each rank scoring its share."""
    shard = items[rank::world]
    sums = torch.zeros(4, dtype=torch.float64, device=device)
    if shard:
        ds = data.SegmentationDataset(shard, encoding, size)
        model.eval()
        for x, y, _ in DataLoader(ds, batch_size=batch_size, num_workers=workers):
            p = model(x.to(device, non_blocking=True))
            bce, dl, dice = loss_parts(p, y.to(device, non_blocking=True))
            sums += torch.stack([bce.sum(), dl.sum(), dice.sum(), torch.tensor(float(len(x)), device=device)]).double()
    dist.all_reduce(sums)
    n = max(sums[3].item(), 1)
    return {"bce": sums[0].item() / n, "diceLoss": sums[1].item() / n, "dice": sums[2].item() / n, "images": int(sums[3].item())}


def load_from_rank0(path, rank):
    """What rank 0 finds at `path` (None if nothing), sent to every rank: the output folder need not
    be shared between nodes, and all ranks resume from the same snapshot (identical Adam states)."""
    box = [torch.load(path, map_location="cpu") if rank == 0 and os.path.exists(path) else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def save_atomic(obj, path):
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def write_json(path, obj):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def cpu_state(model):
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def main():
    args = parse_args()
    with open(os.path.join(HERE, "config.json"), encoding="utf-8") as f:
        job = json.load(f)
    cfg = dict(job["run"])
    if args.epochs is not None:
        if args.epochs < 1:
            sys.exit("--epochs must be at least 1")
        cfg["epochs"] = args.epochs
    data_root = os.path.abspath(args.data or job["dataset"]["path"])
    out = os.path.abspath(args.out or os.path.join(HERE, "output"))
    batch_size = args.batch_size or cfg["batchSize"]

    rank, world, device, backend = setup(args.backend)
    workers = args.workers if args.workers is not None else (4 if device.type == "cuda" else 0)
    splits, encoding = data.load_splits(HERE, data_root)
    train_items = splits["train"][: cfg["maxTrainImages"]] if cfg.get("maxTrainImages", 0) > 0 else splits["train"]
    if not train_items:
        sys.exit(f"{data_root}: no training images in splits.json")
    valid_items = splits["valid"] or train_items  # the studio's fallback when there is no validation split
    if rank == 0:
        os.makedirs(out, exist_ok=True)
    dist.barrier()

    torch.manual_seed(cfg["seed"])
    net = models.build(cfg["model"], cfg["base"]).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=cfg["learningRate"])  # betas (0.9, 0.999), eps 1e-8: the studio's
    start_epoch, best_dice, best_epoch = 0, -1.0, 0
    snap_path = os.path.join(out, "snapshot.pt")
    snap = load_from_rank0(snap_path, rank)
    if cfg.get("encoderWeights") == "imagenet" and snap is None:
        if rank == 0:  # one download; DDP gives every rank rank 0's weights
            net.encoder.load_state_dict(imagenet_encoder_state(args, cfg))
    if snap is not None:
        for k in ("model", "base", "size"):
            if snap["config"][k] != cfg[k]:
                sys.exit(f"{snap_path}: a snapshot of another configuration ({k} {snap['config'][k]} here, {cfg[k]} in config.json); use another --out")
        net.load_state_dict(snap["model"])
        opt.load_state_dict(snap["optimizer"])
        start_epoch, best_dice, best_epoch = snap["epoch"], snap["bestValidDice"], snap["bestEpoch"]
        if rank == 0:
            print(f"resuming from {snap_path} after epoch {start_epoch}", flush=True)
    model = DDP(net, device_ids=[device.index] if device.type == "cuda" else None)

    train_set = EpochDataset(train_items, encoding, cfg["size"], augment=cfg["augment"], seed=cfg["seed"])
    per_rank = math.ceil(len(train_items) / world)
    sampler = EpochIndices(DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=cfg["seed"]))
    # The studio drops a last, smaller batch when there is more than one batch (even batch statistics).
    train_loader = loader(train_set, sampler, batch_size, per_rank > batch_size, workers, device)
    eval_batch = max(batch_size, 4)

    metrics_path = os.path.join(out, "metrics.jsonl")
    if rank == 0:
        write_json(os.path.join(out, "job.json"), {
            "format": "seg-studio-torch-job-output", "version": 1, "config": cfg, "data": data_root,
            "worldSize": world, "localWorldSize": int(os.environ.get("LOCAL_WORLD_SIZE", "1")),
            "device": device.type, "backend": backend, "batchSizePerProcess": batch_size,
            "torch": torch.__version__, "runId": job.get("runId"), "runName": job.get("runName"), "jobId": job.get("jobId"),
            "trainImages": len(train_items), "validImages": len(valid_items), "testImages": len(splits["test"]),
        })
        # Lines past the snapshot's epoch belong to an epoch whose checkpoint never landed.
        kept = []
        if os.path.exists(metrics_path):
            with open(metrics_path, encoding="utf-8") as f:
                kept = [ln for ln in f if ln.strip() and json.loads(ln)["epoch"] <= start_epoch]
        with open(metrics_path, "w", encoding="utf-8") as f:
            f.writelines(kept)

    for epoch in range(start_epoch, cfg["epochs"]):
        t0 = time.time()
        lr = scheduled_lr(epoch, cfg)
        for g in opt.param_groups:
            g["lr"] = lr
        sampler.set_epoch(epoch)
        model.train()
        sums = torch.zeros(4, dtype=torch.float64, device=device)
        for x, y, _ in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            p = model(x)
            bce, dl, dice = loss_parts(p, y)
            loss = bce.mean() + dl.mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sums += torch.stack([bce.sum(), dl.sum(), dice.sum(), torch.tensor(float(len(x)), device=device)]).detach().double()
        dist.all_reduce(sums)
        train_seconds = time.time() - t0
        seen = max(sums[3].item(), 1)
        valid = evaluate(model.module, valid_items, encoding, cfg["size"], eval_batch, rank, world, device, workers)
        row = {
            "epoch": epoch + 1, "trainLoss": (sums[0].item() + sums[1].item()) / seen,
            "trainBce": sums[0].item() / seen, "trainDiceLoss": sums[1].item() / seen, "trainDice": sums[2].item() / seen,
            "validBce": valid["bce"], "validDiceLoss": valid["diceLoss"], "validDice": valid["dice"],
            "learningRate": lr, "seconds": time.time() - t0, "imagesPerSecond": sums[3].item() / max(train_seconds, 1e-9),
            "trainImagesSeen": int(sums[3].item()), "validImages": valid["images"], "worldSize": world,
        }
        improved = row["validDice"] > best_dice
        if improved:
            best_dice, best_epoch = row["validDice"], row["epoch"]
        row.update(bestValidDice=best_dice, bestEpoch=best_epoch)
        if rank == 0:
            state = cpu_state(model.module)
            if improved:
                save_atomic(state, os.path.join(out, "best.pth"))
            save_atomic(state, os.path.join(out, "last.pth"))
            save_atomic({"model": state, "optimizer": opt.state_dict(), "epoch": epoch + 1, "bestValidDice": best_dice,
                         "bestEpoch": best_epoch, "config": cfg}, snap_path)
            with open(metrics_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
        dist.barrier()

    test = None
    if splits["test"] and best_epoch > 0:
        net.load_state_dict(load_from_rank0(os.path.join(out, "best.pth"), rank))
        test = evaluate(net, splits["test"], encoding, cfg["size"], eval_batch, rank, world, device, workers)
    if rank == 0:
        write_json(os.path.join(out, "summary.json"), {
            "epochs": cfg["epochs"], "bestValidDice": best_dice, "bestEpoch": best_epoch,
            "testDice": None if test is None else test["dice"], "testImages": 0 if test is None else test["images"],
            "testBce": None if test is None else test["bce"], "testDiceLoss": None if test is None else test["diceLoss"],
        })
        print(f"done: best valid dice {best_dice:.4f} at epoch {best_epoch}" + ("" if test is None else f"; test dice {test['dice']:.4f}"), flush=True)
    # Every rank leaves together, and without destroy_process_group(): with gloo (seen with torch
    # 1.13 on CPU) a rank can hang in it for good once its peer has torn down first, after all the
    # work is written. Past this barrier nothing is left to synchronise, the files are closed and
    # the output flushed, so each rank exits here (os._exit also skips the process group's
    # destructor, which would tear down the same way).
    dist.barrier()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
