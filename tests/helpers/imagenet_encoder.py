#!/usr/bin/env python3
"""PyTorch side of tests/imagenet-encoder.test.ts. Usage: imagenet_encoder.py DIR BATCH SIZE.

Makes torchvision.models.resnet34 with its own random initialisation (seeded) and random
batch-norm statistics, saves its state_dict with torch.save to DIR/resnet34.pth (the layout of
torchvision's ImageNet file), and writes the outputs of layer1..layer4 in eval mode for the input
DIR/x.bin (NHWC float32 little-endian) to DIR/layerK.bin (NHWC float32 little-endian).
"""
import os
import sys

import numpy as np
import torch
import torchvision


def main():
    d, batch, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(2)
    torch.manual_seed(1234)
    net = torchvision.models.resnet34(weights=None)
    g = torch.Generator().manual_seed(5678)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 2 - 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 2 - 0.5)
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) * 2 - 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 1.5 + 0.5)
    torch.save(net.state_dict(), os.path.join(d, "resnet34.pth"))
    x = np.fromfile(os.path.join(d, "x.bin"), dtype="<f4").reshape(batch, size, size, 3)
    h = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    net.eval()
    with torch.no_grad():
        h = net.maxpool(net.relu(net.bn1(net.conv1(h))))
        for k, layer in enumerate((net.layer1, net.layer2, net.layer3, net.layer4), 1):
            h = layer(h)
            h.numpy().transpose(0, 2, 3, 1).astype("<f4").tofile(os.path.join(d, f"layer{k}.bin"))
    print(torchvision.__version__)


if __name__ == "__main__":
    main()
