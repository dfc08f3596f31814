#!/usr/bin/env python3
"""PyTorch side of tests/pth-interop.test.ts. Usage: pth_interop.py DIR (reads DIR/request.json).

request: {"cases": [{"name", "model", "base", "size", "x": "x.bin", "batch",
                     "studio_pth": "<file the studio exported>" }]}
For each case:
 - makes the reference model (seeded random weights, random batch-norm statistics), saves its
   state_dict with torch.save to DIR/<name>.torch.pth and its eval output on x to DIR/<name>.torch-out.bin;
 - loads the studio's export with torch.load(weights_only=True) into a fresh reference model
   (load_state_dict strict=True), writes its eval output on x to DIR/<name>.studio-out.bin, and
   saves that model's state_dict again to DIR/<name>.resaved.pth.
Also writes DIR/evil.pth: a torch.save'd object whose unpickling would call os.system.
x is NHWC float32 little-endian; outputs are NHWC float32 little-endian. Prints a JSON summary.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import torch_reference_models as ref  # noqa: E402
from torch_batch_norms import randomize_batch_norms  # noqa: E402


def randomize(net, seed):
    randomize_batch_norms(net, seed)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.num_batches_tracked.fill_(7)  # not the default 0, so a file that drops it shows


def run(net, x):
    net.eval()
    with torch.no_grad():
        return net(x).numpy().transpose(0, 2, 3, 1).astype("<f4")


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(sys.argv[1], "pwned"),))


def main():
    d = sys.argv[1]
    torch.set_num_threads(2)
    req = json.load(open(os.path.join(d, "request.json")))
    summary = {"torch": torch.__version__, "cases": {}}
    for i, c in enumerate(req["cases"]):
        name = c["name"]
        x = np.fromfile(os.path.join(d, c["x"]), dtype="<f4").reshape(c["batch"], c["size"], c["size"], 3)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

        torch.manual_seed(100 + i)
        net = ref.build(c["model"], c["base"])
        randomize(net, 200 + i)
        torch.save(net.state_dict(), os.path.join(d, name + ".torch.pth"))
        run(net, xt).tofile(os.path.join(d, name + ".torch-out.bin"))

        state = torch.load(os.path.join(d, c["studio_pth"]), weights_only=True)
        fresh = ref.build(c["model"], c["base"])
        fresh.load_state_dict(state, strict=True)  # refuses missing or unexpected keys
        run(fresh, xt).tofile(os.path.join(d, name + ".studio-out.bin"))
        torch.save(fresh.state_dict(), os.path.join(d, name + ".resaved.pth"))
        summary["cases"][name] = {"keys": len(state), "dtypes": sorted({str(v.dtype) for v in state.values()})}
    torch.save(Evil(), os.path.join(d, "evil.pth"))
    # Views: a transposed (strided) tensor, a row sharing the storage with an offset, a float64
    # and a float16 tensor, in both the zip and the legacy (pre-1.6) format.
    a = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.37
    views = {"t": a.t(), "row": a[1], "d": torch.linspace(-1, 1, 5, dtype=torch.float64), "h": torch.tensor([0.5, -2.25, 65504.0], dtype=torch.float16)}
    torch.save(views, os.path.join(d, "views.pth"))
    torch.save(views, os.path.join(d, "views-legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(torch.load(os.path.join(d, name + ".torch.pth")), os.path.join(d, name + ".torch-legacy.pth"), _use_new_zipfile_serialization=False)
    summary["views"] = {k: v.contiguous().double().flatten().tolist() for k, v in views.items()}
    summary["legacy_of"] = name
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
