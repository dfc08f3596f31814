"""The PyTorch reference models the studio is held to: UNet and ResNet34-UNet, binary output.

The architecture is the seed report's (shared/reference/torch_unet_bench.py) layer for layer:
- UNet: padded 3x3 conv (no bias) + BatchNorm + ReLU, twice, per level; 2x2 max-pool down to
  base*16 channels; 2x2/2 ConvTranspose (with bias) up, concatenating [skip, up]; 1x1 conv; sigmoid.
- ResNet34-UNet: the ResNet-34 encoder (7x7/2 stem + BN + ReLU + 3x3/2 max-pool, BasicBlock stages
  [3, 4, 6, 3]), one more BasicBlock base*8 -> base*16 at stride 2 as the bottleneck, the UNet
  decoder on the four stage outputs, a head of two (2x2/2 ConvTranspose + BN + ReLU), 1x1 conv,
  sigmoid.
BatchNorm: eps 1e-5, momentum 0.1 (PyTorch's defaults).

Only the module names differ from the seed report, chosen so that state_dict keys are the ones
people already have checkpoints under:
- UNet after milesial/Pytorch-UNet (bilinear=False): inc.double_conv.N, downK.maxpool_conv.1.
  double_conv.N, upK.up, upK.conv.double_conv.N, outc.conv.
- ResNet34-UNet: the encoder under `encoder.` with torchvision.models.resnet34's names (conv1,
  bn1, layerK.J.{conv1,bn1,conv2,bn2,downsample.0,downsample.1}), so a torchvision state_dict
  loads into it with the prefix added; then `bottleneck.*` (one BasicBlock), upK.* as in the
  UNet, and head.{0,1,3,4,6}.
src/engine/models/torch-names.ts maps the studio's weights to these keys.

Used by tests/helpers/torch_parity.py (the parity test) and scripts/torch-bench.py (the bench).
Needs only torch.
"""
import torch
from torch import nn
import torch.nn.functional as F

BN_EPS = 1e-5
BN_MOMENTUM = 0.1
DICE_EPS = 1e-6


def widths(base):
    return [base << i for i in range(5)]


class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.double_conv(x)


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), DoubleConv(cin, cout))

    def forward(self, x):
        return self.maxpool_conv(x)


class Up(nn.Module):
    """2x2/2 ConvTranspose cin -> cout, concatenate [skip, up], DoubleConv 2*cout -> cout."""

    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.conv = DoubleConv(2 * cout, cout)

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class OutConv(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.conv = nn.Conv2d(cin, 1, 1)

    def forward(self, x):
        return self.conv(x)


class UNet(nn.Module):
    def __init__(self, base=64):
        super().__init__()
        w = widths(base)
        self.inc = DoubleConv(3, w[0])
        self.down1, self.down2, self.down3, self.down4 = (Down(w[i], w[i + 1]) for i in range(4))
        self.up1, self.up2, self.up3, self.up4 = (Up(w[i + 1], w[i]) for i in reversed(range(4)))
        self.outc = OutConv(w[0])

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x = self.down4(x4)
        x = self.up1(x, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        return torch.sigmoid(self.outc(x))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: 3x3 (stride) + BN + ReLU, 3x3 + BN, plus the (projected) input, ReLU."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + identity)


def res_stage(cin, cout, blocks):
    """A stage halves the resolution in its first block whenever it widens the channels."""
    first = BasicBlock(cin, cout, 1 if cin == cout else 2)
    return nn.Sequential(first, *(BasicBlock(cout, cout) for _ in range(blocks - 1)))


class ResNet34Encoder(nn.Module):
    """torchvision.models.resnet34 without avgpool/fc; forward returns the four stage outputs."""

    def __init__(self, base=64):
        super().__init__()
        w = widths(base)
        self.conv1 = nn.Conv2d(3, w[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = res_stage(w[0], w[0], 3)
        self.layer2 = res_stage(w[0], w[1], 4)
        self.layer3 = res_stage(w[1], w[2], 6)
        self.layer4 = res_stage(w[2], w[3], 3)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        feats = []
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
            feats.append(x)
        return feats


class ResNet34UNet(nn.Module):
    def __init__(self, base=64):
        super().__init__()
        w = widths(base)
        self.encoder = ResNet34Encoder(base)
        self.bottleneck = BasicBlock(w[3], w[4], 2)
        self.up1, self.up2, self.up3, self.up4 = (Up(w[i + 1], w[i]) for i in reversed(range(4)))
        self.head = nn.Sequential(
            nn.ConvTranspose2d(w[0], w[0], 2, stride=2), nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(w[0], w[0], 2, stride=2), nn.BatchNorm2d(w[0]), nn.ReLU(inplace=True),
            nn.Conv2d(w[0], 1, 1))

    def forward(self, x):
        f1, f2, f3, f4 = self.encoder(x)
        x = self.bottleneck(f4)
        x = self.up1(x, f4)
        x = self.up2(x, f3)
        x = self.up3(x, f2)
        x = self.up4(x, f1)
        return torch.sigmoid(self.head(x))


MODELS = {"unet": UNet, "resnet34_unet": ResNet34UNet}


def build(model, base):
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (one of {', '.join(MODELS)})")
    return MODELS[model](base)


def bce_dice_parts(p, y):
    """(bce, dice loss): mean BCE over every pixel, 1 - mean over images of the soft Dice ratio."""
    bce = F.binary_cross_entropy(p, y)
    dims = (1, 2, 3)
    dice = (2 * (p * y).sum(dims) + DICE_EPS) / (p.sum(dims) + y.sum(dims) + DICE_EPS)
    return bce, 1 - dice.mean()


def bce_dice(p, y, bce_weight=1.0, dice_weight=1.0):
    """The training loss: bce_weight * BCE + dice_weight * Dice loss (the reference: 1 and 1)."""
    bce, dice_loss = bce_dice_parts(p, y)
    return bce_weight * bce + dice_weight * dice_loss
