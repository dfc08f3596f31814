#!/usr/bin/python3
"""Independent reader of the mask files the studio writes (PIL + numpy, and torch for resizing):
shares no code with the studio, so a test that scores the files with it checks what a user's own
pipeline would see.

  mask_check.py dice ITEMS.json
      items: [{"mask", "maskEncoding": "binary"|"trimap", "truth", "truthEncoding", "photo"}]
      Per item: the PNG's mode and band count, its size and the photo's, its distinct values, and
      the Dice of its foreground with the truth's (trimap: 1 and 3 are pet, 2 background; binary:
      any value > 0). Both empty counts as 1, as in the studio's eval.
  mask_check.py upsample ITEMS.json
      items: [{"probs": raw float32 size*size file, "size", "mask"}]
      Resizes the probability map to the mask's size with torch's bilinear interpolation
      (align_corners=False, no antialias), thresholds it at > 0.5 and counts the pixels where the
      written mask (value > 0) differs.

Prints one JSON object on stdout.
"""
import json
import sys

import numpy as np
from PIL import Image


def foreground(path, encoding):
    im = Image.open(path)
    im.load()
    a = np.asarray(im)
    if a.ndim == 3:  # more than one band: score the first, the caller checks the band count
        a = a[:, :, 0]
    a = a.astype(np.int64)
    if encoding == 'trimap':
        return (a == 1) | (a == 3), im
    return a > 0, im


def dice(items):
    out = []
    for it in items:
        pred, im = foreground(it['mask'], it.get('maskEncoding', 'binary'))
        truth, _ = foreground(it['truth'], it.get('truthEncoding', 'trimap'))
        photo = Image.open(it['photo']).size if it.get('photo') else None
        entry = {
            'mask': it['mask'],
            'mode': im.mode,
            'bands': len(im.getbands()),
            'size': list(im.size),
            'photoSize': list(photo) if photo else None,
            'values': sorted(int(v) for v in np.unique(np.asarray(im))),
        }
        if pred.shape != truth.shape:
            entry['dice'] = None
            entry['error'] = f'mask is {pred.shape[1]}x{pred.shape[0]}, truth is {truth.shape[1]}x{truth.shape[0]}'
        else:
            inter = int(np.logical_and(pred, truth).sum())
            den = int(pred.sum()) + int(truth.sum())
            entry['dice'] = 1.0 if den == 0 else 2.0 * inter / den
        out.append(entry)
    scored = [e['dice'] for e in out if e['dice'] is not None]
    return {'items': out, 'meanDice': sum(scored) / len(scored) if scored else None}


def upsample(items):
    import torch
    import torch.nn.functional as F

    out = []
    for it in items:
        size = int(it['size'])
        probs = np.fromfile(it['probs'], dtype=np.float32).reshape(size, size)
        written, im = foreground(it['mask'], 'binary')
        h, w = written.shape
        up = F.interpolate(torch.from_numpy(probs)[None, None], size=(h, w), mode='bilinear', align_corners=False)[0, 0].numpy()
        ref = up > 0.5
        diff = ref != written
        # How far from the threshold the disagreeing pixels are (a float-rounding tie is ~1e-7).
        margin = float(np.abs(up[diff] - 0.5).max()) if diff.any() else 0.0
        out.append({'mask': it['mask'], 'width': w, 'height': h, 'mismatches': int(diff.sum()), 'maxMargin': margin, 'foreground': int(ref.sum())})
    return {'items': out}


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        items = json.load(f)['items']
    result = {'dice': dice, 'upsample': upsample}[cmd](items)
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
