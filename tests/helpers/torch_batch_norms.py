"""Random batch norms for the PyTorch sides of the interop tests (pth_interop.py,
imagenet_encoder.py): a fresh BatchNorm2d is the identity in eval mode, so a norm that the studio
skipped, swapped or mapped to the wrong tensor would not show. Random weights, biases and running
statistics make every one of them count."""
import torch


def randomize_batch_norms(net, seed):
    """Draws every BatchNorm2d's weight, bias, running mean (each in [-0.5, 1.5)) and running
    variance (in [0.5, 2)) of `net` from a generator seeded with `seed`, module by module."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 2 - 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 2 - 0.5)
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) * 2 - 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 1.5 + 0.5)
