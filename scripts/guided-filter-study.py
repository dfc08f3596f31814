#!/usr/bin/env python3
# Does edge-aware refinement at the photo's resolution help the masks? (docs/quality.md) Reads
# the probability maps written by scripts/dump-probabilities.ts, the photos and the trimaps (PIL
# and numpy only, none of the studio's code), and prints the mean test Dice of: the threshold at
# 0.5 (what eval reports), other thresholds, and He et al.'s guided filter (grey and colour guide)
# of the probabilities at several radii (a fraction of the photo's longer side) before the 0.5
# threshold. Trimap 1 and 3 are foreground, as everywhere in the studio.
#
# usage: /usr/bin/python3 scripts/guided-filter-study.py DATASET PROBABILITIES_DIR
import os, sys
import numpy as np
from PIL import Image

def box(a, r):
    """Mean over the (2r+1)² window clipped to the image, from an integral image."""
    h, w = a.shape
    c = np.cumsum(np.cumsum(np.pad(a, ((1, 0), (1, 0))), 0), 1)
    y0, y1 = np.clip(np.arange(h) - r, 0, h), np.clip(np.arange(h) + r + 1, 0, h)
    x0, x1 = np.clip(np.arange(w) - r, 0, w), np.clip(np.arange(w) + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    return s / ((y1 - y0)[:, None] * (x1 - x0)[None, :])

def guided_gray(guide, p, r, eps):
    m_i, m_p = box(guide, r), box(p, r)
    a = (box(guide * p, r) - m_i * m_p) / (box(guide * guide, r) - m_i * m_i + eps)
    b = m_p - a * m_i
    return box(a, r) * guide + box(b, r)

def guided_color(guide, p, r, eps):
    h, w, _ = guide.shape
    m_i = [box(guide[..., k], r) for k in range(3)]
    m_p = box(p, r)
    cov = np.stack([box(guide[..., k] * p, r) - m_i[k] * m_p for k in range(3)], -1)
    sigma = np.empty((h, w, 3, 3))
    for i in range(3):
        for j in range(3):
            sigma[..., i, j] = box(guide[..., i] * guide[..., j], r) - m_i[i] * m_i[j]
    a = np.linalg.solve(sigma + eps * np.eye(3), cov[..., None])[..., 0]
    b = m_p - sum(a[..., k] * m_i[k] for k in range(3))
    return sum(box(a[..., k], r) * guide[..., k] for k in range(3)) + box(b, r)

def dice(a, b):
    return 2 * (a & b).sum() / (a.sum() + b.sum())

def main():
    data, probs = sys.argv[1], sys.argv[2]
    ann = os.path.join(data, 'annotations')
    ids = [l.split()[0] for l in open(os.path.join(ann, 'test.txt')) if l.strip()]
    scores = {}
    for name in ids:
        trimap = np.array(Image.open(os.path.join(ann, 'trimaps', name + '.png')))
        truth = (trimap == 1) | (trimap == 3)
        h, w = truth.shape
        p = np.fromfile(os.path.join(probs, name + '.f32'), '<f4').reshape(h, w).astype(np.float64)
        photo = np.asarray(Image.open(os.path.join(data, 'images', name + '.jpg')).convert('RGB'), np.float64) / 255
        def add(key, mask):
            scores.setdefault(key, []).append(dice(mask, truth))
        add('threshold 0.5', p > 0.5)
        for t in (0.4, 0.3):
            add(f'threshold {t}', p > t)
        for frac in (0.01, 0.02, 0.04):
            r = max(1, int(frac * max(h, w)))
            for eps in (1e-3, 1e-2):
                add(f'guided grey r={frac} eps={eps}', guided_gray(photo.mean(-1), p, r, eps) > 0.5)
                add(f'guided colour r={frac} eps={eps}', guided_color(photo, p, r, eps) > 0.5)
    for key, v in scores.items():
        print(f'{key:36s} {np.mean(v):.4f}  (n={len(v)})')

if __name__ == '__main__':
    main()
