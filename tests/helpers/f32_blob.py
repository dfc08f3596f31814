"""The float32 exchange between TypeScript tests and their PyTorch sides (torch_parity.py,
torch_adamw.py): DIR/request.json names a little-endian float32 file, and each tensor in it is a
{"shape", "offset"} spec counted in float32 elements. The answer goes back the same way:
DIR/out.bin and DIR/result.json, whose "blob" names out.bin."""
import json
import os

import numpy as np


class Blob:
    """Output tensors laid end to end; put() returns each one's spec."""

    def __init__(self):
        self.parts, self.size = [], 0

    def put(self, array):
        a = np.ascontiguousarray(array, dtype="<f4")
        spec = {"shape": list(a.shape), "offset": self.size}
        self.parts.append(a.reshape(-1))
        self.size += a.size
        return spec


def read(blob, spec, shape=None):
    """The tensor `spec` points at, as `shape` (default: the spec's own)."""
    shape = spec["shape"] if shape is None else shape
    n = int(np.prod(shape)) if shape else 1
    return blob[spec["offset"]:spec["offset"] + n].reshape(shape)


def read_request(d):
    """DIR/request.json and the float32 blob it names."""
    with open(os.path.join(d, "request.json")) as f:
        req = json.load(f)
    return req, np.fromfile(os.path.join(d, req["blob"]), dtype="<f4")


def write_result(d, out, result):
    """DIR/out.bin from `out`'s tensors, and DIR/result.json: `result` plus the blob's name."""
    with open(os.path.join(d, "out.bin"), "wb") as f:
        for part in out.parts:
            part.tofile(f)
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump({"blob": "out.bin", **result}, f)
