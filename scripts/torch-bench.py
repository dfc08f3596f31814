#!/usr/bin/env python3
"""PyTorch CPU throughput for one benchmark configuration, printed as one JSON line.

Run by `seg-studio bench --vs-torch` (src/engine/bench/torch.ts) in the same invocation as our
own measurement, so both see the same machine load. The networks are the reference models the
parity test holds the studio to (torch_reference_models.py, next to this file): UNet and
ResNet34-UNet, sigmoid output, BCE + soft Dice loss, Adam; batch-norm in training mode for the
train step and eval mode (no autograd) for inference.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch

from torch_reference_models import bce_dice as loss_fn, build


def timed(fn, warmup, iters):
    times = []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        fn()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", choices=["unet", "resnet34_unet"], required=True)
    ap.add_argument("--base", type=int, default=64)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--train-iters", type=int, default=3)
    ap.add_argument("--infer-iters", type=int, default=5)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = build(a.model, a.base)
    x = torch.rand(a.batch, 3, a.size, a.size)
    y = (torch.rand(a.batch, 1, a.size, a.size) > 0.5).float()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    last = {}

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        last["loss"] = loss.item()

    def infer_step():
        with torch.no_grad():
            last["out"] = net(x)

    net.train()
    train_s = timed(train_step, a.warmup, a.train_iters)
    net.eval()
    infer_s = timed(infer_step, a.warmup, a.infer_iters)
    if tuple(last["out"].shape) != (a.batch, 1, a.size, a.size) or not (last["loss"] == last["loss"]):
        sys.exit("torch-bench: unexpected output shape or non-finite loss")
    print(json.dumps({
        "torch_version": torch.__version__, "threads": torch.get_num_threads(),
        "model": a.model, "base": a.base, "size": a.size, "batch": a.batch,
        "params": sum(p.numel() for p in net.parameters()),
        "train_step_s": train_s, "train_img_per_s": a.batch / train_s,
        "infer_step_s": infer_s, "infer_img_per_s": a.batch / infer_s,
        # Linux reports ru_maxrss in KiB.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
