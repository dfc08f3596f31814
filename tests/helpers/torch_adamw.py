#!/usr/bin/env python3
"""PyTorch side of tests/adamw-torch.test.ts: torch.optim.AdamW steps and the weighted loss.

Usage: torch_adamw.py DIR. Reads DIR/request.json and the float32 little-endian blob it names:
  {"blob": "in.bin",
   "optim": [{"name", "model", "base", "weight_decay",
              "state": [{"key", "shape", "offset"}],      # every parameter, PyTorch layout
              "steps": [{"lr", "grads": {key: offset}}]}],  # one gradient per parameter and step
   "losses": [{"name", "p": {"shape", "offset"}, "y": {...}, "bce_weight", "dice_weight"}]}
(offsets in float32 elements; p and y NHWC). Writes DIR/out.bin and DIR/result.json:
  {"blob": "out.bin", "optim": {name: {variant: {key: {"shape", "offset"}}}},
   "losses": {name: {"loss", "grad": {"shape", "offset"}}}}
Optimizer variants, each from the same weights with the same gradients and learning rates:
  "grouped": torch.optim.AdamW with two parameter groups, weight_decay on the convolution and
             transposed-convolution kernels, 0 on batch-norm weights and biases and on every bias
             (the studio's policy, src/engine/train/weight-decay.ts, chosen here by module type);
  "all":     torch.optim.AdamW decaying every parameter (its default, as a control);
  "none":    weight_decay 0 (plain Adam, as a control).
Losses: ref.bce_dice(p, y, bce_weight, dice_weight) and its gradient with respect to p.
Exits non-zero with a message on stderr on any problem.
"""
import os
import sys

try:
    import torch
    from torch import nn

    from f32_blob import Blob, read, read_request, write_result
except ImportError as err:
    raise SystemExit(f"AdamW parity needs torch and numpy in {sys.executable} (Debian: apt-get install python3-torch "
                     f"python3-numpy; or set SEG_STUDIO_PYTHON): {err}")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import torch_reference_models as ref  # noqa: E402


def param_groups(net, variant, wd):
    if variant == "none":
        return [{"params": list(net.parameters()), "weight_decay": 0.0}]
    if variant == "all":
        return [{"params": list(net.parameters()), "weight_decay": wd}]
    decay, rest = [], []
    for mod in net.modules():
        for pname, prm in mod.named_parameters(recurse=False):
            kernel = isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)) and pname == "weight"
            (decay if kernel else rest).append(prm)
    return [{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}]


def run_optim(case, blob, out):
    name = case["name"]
    given = {s["key"]: s for s in case["state"]}
    result = {}
    for variant in ("grouped", "all", "none"):
        net = ref.build(case["model"], case["base"])
        params = dict(net.named_parameters())
        if sorted(params) != sorted(given):
            raise SystemExit(f"{name}: parameter keys differ: missing {sorted(set(params) - set(given))}, "
                             f"unexpected {sorted(set(given) - set(params))}")
        with torch.no_grad():
            for k, prm in params.items():
                if list(prm.shape) != given[k]["shape"]:
                    raise SystemExit(f"{name}: {k} has shape {given[k]['shape']}, the reference {list(prm.shape)}")
                prm.copy_(torch.from_numpy(read(blob, given[k]).copy()))
        opt = torch.optim.AdamW(param_groups(net, variant, case["weight_decay"]), lr=case["steps"][0]["lr"],
                                betas=(0.9, 0.999), eps=1e-8, foreach=False)
        for step in case["steps"]:
            for group in opt.param_groups:
                group["lr"] = step["lr"]
            for k, prm in params.items():
                prm.grad = torch.from_numpy(read(blob, {"offset": step["grads"][k]}, given[k]["shape"]).copy())
            opt.step()
        result[variant] = {k: out.put(prm.detach().numpy()) for k, prm in params.items()}
    return result


def run_loss(case, blob, out):
    p = torch.from_numpy(read(blob, case["p"]).transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    y = torch.from_numpy(read(blob, case["y"]).transpose(0, 3, 1, 2).copy())
    loss = ref.bce_dice(p, y, case["bce_weight"], case["dice_weight"])
    loss.backward()
    return {"loss": loss.item(), "grad": out.put(p.grad.numpy().transpose(0, 2, 3, 1))}


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: torch_adamw.py DIR")
    d = sys.argv[1]
    torch.set_num_threads(1)
    req, blob = read_request(d)
    out = Blob()
    optim = {c["name"]: run_optim(c, blob, out) for c in req.get("optim", [])}
    losses = {c["name"]: run_loss(c, blob, out) for c in req.get("losses", [])}
    write_result(d, out, {"torch": torch.__version__, "optim": optim, "losses": losses})


if __name__ == "__main__":
    main()
