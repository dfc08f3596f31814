"""PyTorch's side of tests/torch-job.test.ts, run with Debian's python3-torch.

    torch_job_check.py JOB_DIR INPUTS.f32 N SIZE PROBS_OUT.f32 BATCH.f32 BATCH.json

1. Predictions: the job's own models.py with the job's output/best.pth (loaded by torch.load, the
   studio not involved), in eval mode, on N preprocessed photos (NHWC float32, as the studio feeds
   its model); writes the N x SIZE x SIZE probabilities.
2. Training inputs: the job's data.py + augment.py on its splits.json train images (epoch 0, the
   run's seed and augmentation) against the studio's batch loader output for the same images
   (BATCH.f32: x NHWC then y; BATCH.json: ids). Prints the differences as JSON.
"""
import json
import os
import sys

import numpy as np
import torch

job, inputs, n, size, probs_out, batch_file, batch_json = sys.argv[1:8]
n, size = int(n), int(size)
sys.path.insert(0, job)
import data  # noqa: E402  (the job's)
import models  # noqa: E402

with open(os.path.join(job, "config.json"), encoding="utf-8") as f:
    cfg = json.load(f)["run"]

torch.set_num_threads(1)
net = models.build(cfg["model"], cfg["base"])
net.load_state_dict(torch.load(os.path.join(job, "output", "best.pth"), map_location="cpu"))
net.eval()
x = torch.from_numpy(np.fromfile(inputs, dtype=np.float32).reshape(n, size, size, 3)).permute(0, 3, 1, 2).contiguous()
with torch.no_grad():
    p = net(x)
p[:, 0].numpy().astype(np.float32).tofile(probs_out)

meta = json.load(open(batch_json, encoding="utf-8"))
ids = meta["ids"]
m = len(ids)
raw = np.fromfile(batch_file, dtype=np.float32)
sx, sy = raw[: m * size * size * 3].reshape(m, size, size, 3), raw[m * size * size * 3:].reshape(m, size, size)
splits, encoding = data.load_splits(job, cfg["data"])
by_id = {item[0]: item for item in splits["train"]}
ds = data.SegmentationDataset([by_id[i] for i in ids], encoding, cfg["size"], augment=cfg["augment"], seed=cfg["seed"])
ds.set_epoch(0)
max_dx, values_off, mask_off = 0.0, 0, 0
for k in range(m):
    xx, yy, _ = ds[k]
    d = np.abs(xx.numpy().transpose(1, 2, 0) - sx[k])
    max_dx = max(max_dx, float(d.max()))
    values_off += int((d > 1e-6).sum())
    mask_off += int((yy.numpy()[0] != sy[k]).sum())
print(json.dumps({"torch": torch.__version__, "images": m, "maxInputDiff": max_dx, "inputValuesOff": values_off,
                  "inputValues": int(sx.size), "maskPixelsOff": mask_off}))
