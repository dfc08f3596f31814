#!/usr/bin/env python3
"""PyTorch side of tests/torch-parity.test.ts: runs the reference models on the studio's weights.

Usage: torch_parity.py DIR. Reads DIR/request.json and the float32 little-endian blob it names:
  {"blob": "in.bin", "cases": [{"name", "model", "base", "size",
    "state": [{"key", "shape", "offset"}],          # state_dict tensors in PyTorch layout
    "x": {"shape": [N, H, W, 3], "offset"}, "y": {"shape": [N, H, W, 1], "offset"},
    "train": true|false,                             # also one training step (gradients)
    "bce_weight", "dice_weight": optional loss weights of that step (default 1 and 1)
    "encoder": true|false}]}                         # also run torchvision's resnet34
(offset: in float32 elements). Writes DIR/out.bin and DIR/result.json:
  {"blob": "out.bin", "cases": {name: {"loss", "bce", "dice_loss", "tensors": {name: {"shape", "offset"}}}}}
with tensors eval/out (NHWC, like the studio); for "train" train/out, grad/<key> for every
parameter and stat/<key> for every running mean/var after the step (PyTorch layout); for
"encoder" torchvision/layer1..4 and reference/layer1..4 (NHWC). Exits non-zero with a message on stderr on any problem.
"""
import contextlib
import os
import sys

try:
    import numpy as np
    import torch
    import torchvision
    from torch import nn

    from f32_blob import Blob, read, read_request, write_result
except ImportError as err:
    raise SystemExit(f"PyTorch parity needs torch, torchvision and numpy in {sys.executable} (Debian: apt-get install "
                     f"python3-torch python3-torchvision python3-numpy; or set SEG_STUDIO_PYTHON): {err}")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import torch_reference_models as ref  # noqa: E402


class NamedBlob(Blob):
    """Output tensors by name ("case/kind/key"), so each case's result can list its own."""

    def __init__(self):
        super().__init__()
        self.index = {}

    def put(self, name, array):
        self.index[name] = super().put(array)


@contextlib.contextmanager
def no_default_init():
    """Every weight is loaded right after construction: skip drawing PyTorch's default init
    (about a second for the 48 M weights of the base-64 ResNet34-UNet plus torchvision's 22 M)."""
    saved = [(cls, cls.reset_parameters) for cls in (nn.modules.conv._ConvNd, nn.modules.batchnorm._NormBase)]
    for cls, _ in saved:
        cls.reset_parameters = lambda self: None
    try:
        yield
    finally:
        for cls, fn in saved:
            cls.reset_parameters = fn


def nchw(a):
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))


def nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def load_state(net, case, blob):
    state = {s["key"]: torch.from_numpy(read(blob, s)) for s in case["state"]}
    own = net.state_dict()
    for k, v in own.items():
        if k.endswith("num_batches_tracked"):
            state[k] = v  # no studio counterpart; unused with momentum 0.1
        elif k in state and tuple(state[k].shape) != tuple(v.shape):
            raise SystemExit(f"{case['name']}: {k} has shape {tuple(state[k].shape)}, the reference {tuple(v.shape)}")
    net.load_state_dict(state, strict=True)  # refuses missing and unexpected keys by name


def torchvision_features(case, blob, x, out):
    with no_default_init():
        tv = torchvision.models.resnet34(weights=None)
    enc = {s["key"][len("encoder."):]: torch.from_numpy(read(blob, s)) for s in case["state"] if s["key"].startswith("encoder.")}
    missing, unexpected = tv.load_state_dict(enc, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if sorted(missing) != ["fc.bias", "fc.weight"] or unexpected:
        raise SystemExit(f"{case['name']}: torchvision resnet34 keys differ: missing {missing}, unexpected {unexpected}")
    tv.eval()
    with torch.no_grad():
        h = tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))
        for i, layer in enumerate((tv.layer1, tv.layer2, tv.layer3, tv.layer4), 1):
            h = layer(h)
            out.put(f"{case['name']}/torchvision/layer{i}", nhwc(h))


def run_case(case, blob, out):
    with no_default_init():
        net = ref.build(case["model"], case["base"])
    load_state(net, case, blob)
    x, y = nchw(read(blob, case["x"])), nchw(read(blob, case["y"]))
    name = case["name"]
    res = {}

    net.eval()
    stages = []
    if case.get("encoder"):  # the reference's own stage outputs, kept as the eval pass computes them
        for i in range(1, 5):
            getattr(net.encoder, f"layer{i}").register_forward_hook(lambda m, inp, o, i=i: stages.append((i, nhwc(o))))
    with torch.no_grad():
        out.put(f"{name}/eval/out", nhwc(net(x)))
    for i, f in stages:
        out.put(f"{name}/reference/layer{i}", f)
    if case.get("encoder"):
        torchvision_features(case, blob, x, out)

    if not case.get("train"):
        return res
    net.train()
    p = net(x)
    bce, dice_loss = ref.bce_dice_parts(p, y)
    loss = ref.bce_dice(p, y, case.get("bce_weight", 1.0), case.get("dice_weight", 1.0))
    loss.backward()
    out.put(f"{name}/train/out", nhwc(p))
    res.update(loss=loss.item(), bce=bce.item(), dice_loss=dice_loss.item())
    for k, prm in net.named_parameters():
        out.put(f"{name}/grad/{k}", prm.grad)
    for k, buf in net.named_buffers():
        if not k.endswith("num_batches_tracked"):
            out.put(f"{name}/stat/{k}", buf)
    return res


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: torch_parity.py DIR")
    d = sys.argv[1]
    torch.set_num_threads(2)
    req, blob = read_request(d)
    out = NamedBlob()
    results = {c["name"]: run_case(c, blob, out) for c in req["cases"]}
    for name, r in results.items():
        r["tensors"] = {k[len(name) + 1:]: v for k, v in out.index.items() if k.startswith(name + "/")}
    write_result(d, out, {"torch": torch.__version__, "cases": results})


if __name__ == "__main__":
    main()
