"""Independent reading and running of an ONNX file written by the studio (tests/onnx-export*.test.ts).

Usage: onnx_check.py JOBS.json, a list of {"file": MODEL.onnx, "input": X.bin, "dims": [N, C, H, W],
"output": Y.bin} ("input", "dims", "output" optional): one process for all files, as importing
torch is most of the time.

For every file: onnx.checker.check_model(full_check=True) (which also runs ONNX shape inference);
prints one JSON line, a list with per file its description (IR version, opsets, input/output
names, element types and dims with symbolic names, metadata_props, op types, initializer element
types, parameter count).

With an input (raw little-endian float32, NCHW): runs the graph with torch.nn.functional, node by
node, a second implementation besides onnxruntime, and writes the output as raw float32. Values
typed float16 in the graph (fp16 initializers, outputs of nodes after a Cast to float16) are
rounded to float16 after every node, with float32 accumulation inside a node: how GPU fp16
inference stores activations. (onnxruntime's CPU provider instead turns fp16 graphs back into
float32 arithmetic, so it only measures the rounded weights.)
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

FLOAT, INT64, FLOAT16 = 1, 7, 10


def describe(model):
    def vi(v):
        t = v.type.tensor_type
        return {
            "name": v.name,
            "elem_type": t.elem_type,
            "dims": [d.dim_param if d.HasField("dim_param") else d.dim_value for d in t.shape.dim],
        }

    g = model.graph
    return {
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "producer": model.producer_name,
        "inputs": [vi(v) for v in g.input],
        "outputs": [vi(v) for v in g.output],
        "metadata": {p.key: p.value for p in model.metadata_props},
        "op_types": sorted({n.op_type for n in g.node}),
        "nodes": len(g.node),
        "initializer_types": sorted({t.data_type for t in g.initializer}),
        "parameters": int(sum(np.prod(t.dims) for t in g.initializer if t.data_type in (FLOAT, FLOAT16))),
    }


def run(model, x):
    import torch
    import torch.nn.functional as F

    g = model.graph
    vals, half = {}, set()
    for t in g.initializer:
        vals[t.name] = torch.from_numpy(numpy_helper.to_array(t).astype(np.float32 if t.data_type != INT64 else np.int64))
        if t.data_type == FLOAT16:
            half.add(t.name)
    vals[g.input[0].name] = torch.from_numpy(x)

    def attrs(n):
        return {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}

    for n in g.node:
        a = attrs(n)
        i = [vals[k] for k in n.input]
        op = n.op_type
        if op in ("Conv", "ConvTranspose"):
            t, l, b, r = a.get("pads", [0, 0, 0, 0])
            bias = i[2] if len(i) > 2 else None
            if op == "Conv":
                assert a.get("group", 1) == 1
                y = F.conv2d(F.pad(i[0], (l, r, t, b)), i[1], bias, stride=a["strides"], dilation=a.get("dilations", [1, 1]))
            else:
                assert (t, l, b, r) == (0, 0, 0, 0)
                y = F.conv_transpose2d(i[0], i[1], bias, stride=a["strides"], output_padding=a.get("output_padding", [0, 0]))
        elif op == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], training=False, eps=a["epsilon"])
        elif op == "Relu":
            y = torch.relu(i[0])
        elif op == "Sigmoid":
            y = torch.sigmoid(i[0])
        elif op == "MaxPool":
            t, l, b, r = a.get("pads", [0, 0, 0, 0])
            y = F.max_pool2d(F.pad(i[0], (l, r, t, b), value=float("-inf")), a["kernel_shape"], a["strides"])
        elif op == "Pad":
            p = i[1].tolist()
            assert a.get("mode", b"constant") in (b"constant", "constant") and p[0] == p[1] == p[4] == p[5] == 0
            y = F.pad(i[0], (p[3], p[7], p[2], p[6]))
        elif op == "Concat":
            y = torch.cat(i, dim=a["axis"])
        elif op in ("Add", "Sum"):
            y = i[0]
            for z in i[1:]:
                y = y + z
        elif op in ("Cast", "Identity"):
            y = i[0]
        else:
            raise SystemExit(f"onnx_check.py: no implementation of {op}")
        out = n.output[0]
        to_half = (op == "Cast" and a["to"] == FLOAT16) or (op not in ("Cast",) and any(k in half for k in n.input))
        if to_half:
            y = y.half().float()
            half.add(out)
        vals[out] = y
    return vals[g.output[0].name].numpy()


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    infos = []
    for job in jobs:
        model = onnx.load(job["file"])
        onnx.checker.check_model(model, full_check=True)
        info = describe(model)
        if job.get("input"):
            x = np.fromfile(job["input"], dtype="<f4").reshape(job["dims"])
            y = run(model, x)
            y.astype("<f4").tofile(job["output"])
            info["output_shape"] = list(y.shape)
        infos.append(info)
    print(json.dumps(infos))


if __name__ == "__main__":
    main()
