#!/usr/bin/env python3
"""PyTorch CPU throughput for one benchmark configuration, printed as one JSON line.

Run by `seg-studio bench --vs-torch` (src/engine/bench/torch.ts) in the same invocation as our
own measurement, so both see the same machine load. The networks mirror the studio's models:
UNet (double 3x3 conv + BN + ReLU blocks, max-pool down, 2x2 transposed-conv up, skip concat)
and ResNet34-UNet (ResNet-34 encoder, same decoder, two 2x2 transposed convs back to input
size); sigmoid output, BCE + soft Dice loss, Adam; batch-norm in training mode for the train
step and eval mode (no autograd) for inference.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, stride=1, relu=True):
    layers = [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return layers


class Stage(nn.Sequential):
    """Two conv-BN-ReLU layers (the UNet building block)."""

    def __init__(self, cin, cout):
        super().__init__(*conv_bn_relu(cin, cout), *conv_bn_relu(cout, cout))


class Decoder(nn.Module):
    """Upsample with a 2x2/2 transposed conv, concatenate the skip, then a Stage."""

    def __init__(self, widths):
        super().__init__()
        deep = list(reversed(widths))  # e.g. 1024, 512, 256, 128, 64
        self.ups = nn.ModuleList(nn.ConvTranspose2d(a, b, 2, stride=2) for a, b in zip(deep, deep[1:]))
        self.stages = nn.ModuleList(Stage(2 * b, b) for b in deep[1:])

    def forward(self, x, skips):
        for up, stage, skip in zip(self.ups, self.stages, reversed(skips)):
            x = stage(torch.cat([skip, up(x)], dim=1))
        return x


class UNet(nn.Module):
    def __init__(self, base):
        super().__init__()
        w = [base << i for i in range(5)]
        self.first = Stage(3, w[0])
        self.down = nn.ModuleList(Stage(a, b) for a, b in zip(w, w[1:]))
        self.decoder = Decoder(w)
        self.head = nn.Conv2d(w[0], 1, 1)

    def forward(self, x):
        x = self.first(x)
        skips = []
        for stage in self.down:
            skips.append(x)
            x = stage(F.max_pool2d(x, 2))
        return torch.sigmoid(self.head(self.decoder(x, skips)))


class Residual(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn_relu(cin, cout, stride), *conv_bn_relu(cout, cout, relu=False))
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.body(x) + (x if self.proj is None else self.proj(x)))


def res_stage(cin, cout, blocks):
    first = Residual(cin, cout, 1 if cin == cout else 2)
    return nn.Sequential(first, *(Residual(cout, cout, 1) for _ in range(blocks - 1)))


class ResNet34UNet(nn.Module):
    def __init__(self, base):
        super().__init__()
        w = [base << i for i in range(5)]
        self.stem = nn.Sequential(nn.Conv2d(3, w[0], 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(w[0]),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1))
        blocks = [3, 4, 6, 3, 1]
        ins = [w[0]] + w[:4]
        self.encoder = nn.ModuleList(res_stage(a, b, n) for a, b, n in zip(ins, w, blocks))
        self.decoder = Decoder(w)
        head = []
        for _ in range(2):
            head += [nn.ConvTranspose2d(w[0], w[0], 2, stride=2), nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True)]
        self.head = nn.Sequential(*head, nn.Conv2d(w[0], 1, 1))

    def forward(self, x):
        x = self.stem(x)
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        skips.pop()  # the deepest stage output is the bottleneck, not a skip
        return torch.sigmoid(self.head(self.decoder(x, skips)))


def loss_fn(p, y, eps=1e-6):
    bce = F.binary_cross_entropy(p, y)
    dims = (1, 2, 3)
    dice = (2 * (p * y).sum(dims) + eps) / (p.sum(dims) + y.sum(dims) + eps)
    return bce + 1 - dice.mean()


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
    net = UNet(a.base) if a.model == "unet" else ResNet34UNet(a.base)
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
