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

from torch_batch_norms import randomize_batch_norms


def main():
    d, batch, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(2)
    torch.manual_seed(1234)
    net = torchvision.models.resnet34(weights=None)
    randomize_batch_norms(net, 5678)
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
