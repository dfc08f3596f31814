#!/usr/bin/python3
"""Independent reader of the studio's COCO and YOLO-seg mask exports (PIL + numpy only; shares no
code with the studio). COCO RLE strings are decoded by this file's own implementation of the rules
of pycocotools (cocoapi common/maskApi.c rleFrString + rleDecode: 6-bit characters from '0',
5 value bits + a continuation bit, sign from bit 4 of the last group, counts from the fourth on
stored as the difference to the count two back, runs alternating 0/1 starting with 0, read down
the columns). YOLO polygons are drawn with PIL's ImageDraw.polygon.

  coco_yolo_check.py synth DIR
      Writes a small dataset in the images/ + masks/ layout (0/255 masks) whose masks have holes,
      foreground inside holes, several pieces, diagonal-only touches, specks, an empty and a full
      mask, odd sizes. Prints {"stems": [...]}.
  coco_yolo_check.py coco ANNOTATIONS.json SOURCES.json
      SOURCES: {"<file_name>": {"mask": path, "encoding": "trimap"|"binary"}}: the source mask of
      every photo. Per image: the decoded RLE's IoU with the source, and whether area, bbox, size,
      iscrowd and category follow COCO.
  coco_yolo_check.py yolo SOURCES.json
      SOURCES: {"<txt path>": {"mask", "encoding"}}. Per file: the polygons drawn by PIL at the
      mask's size (PIL fills the outline too) -> IoU with the source ("iou"); drawn at 4x and
      sampled at pixel centres -> IoU with the source ("iou_centres") and with the source whose
      holes are filled ("iou_centres_filled": a polygon has no holes).
Prints one JSON object on stdout.
"""
import json
import sys

import numpy as np
from PIL import Image, ImageDraw


def source_mask(path, encoding):
    im = Image.open(path)
    im.load()
    a = np.asarray(im)
    if a.ndim == 3:
        a = a[:, :, 0]
    a = a.astype(np.int64)
    if encoding == 'trimap':
        return (a == 1) | (a == 3)
    return a > 0


def counts_from_string(s):
    counts = []
    p = 0
    while p < len(s):
        x = 0
        k = 0
        more = True
        while more:
            c = ord(s[p]) - 48
            if c < 0 or c > 63:
                raise ValueError('character %r outside the RLE alphabet' % s[p])
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def rle_decode(counts, h, w):
    if any(c < 0 for c in counts):
        raise ValueError('negative run length')
    if sum(counts) != h * w:
        raise ValueError('runs cover %d pixels, the size says %d' % (sum(counts), h * w))
    values = np.arange(len(counts)) % 2
    flat = np.repeat(values.astype(np.uint8), counts)
    return flat.reshape((h, w), order='F').astype(bool)


def iou(a, b):
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum()) / float(union)


def check_coco(ann_path, sources):
    doc = json.load(open(ann_path))
    problems = []
    for key in ('info', 'licenses', 'images', 'categories', 'annotations'):
        if key not in doc:
            problems.append('no %s' % key)
    cats = {c['id']: c for c in doc['categories']}
    by_image = {}
    for a in doc['annotations']:
        by_image.setdefault(a['image_id'], []).append(a)
    ids = [a['id'] for a in doc['annotations']]
    if len(set(ids)) != len(ids):
        problems.append('annotation ids repeat')
    out = []
    for im in doc['images']:
        src = sources[im['file_name']]
        truth = source_mask(src['mask'], src['encoding'])
        h, w = truth.shape
        item = {'file_name': im['file_name'], 'width': im['width'], 'height': im['height'], 'truth_pixels': int(truth.sum())}
        if (im['height'], im['width']) != (h, w):
            problems.append('%s: image size %dx%d, mask %dx%d' % (im['file_name'], im['width'], im['height'], w, h))
        decoded = np.zeros((h, w), bool)
        for a in by_image.get(im['id'], []):
            seg = a['segmentation']
            if not isinstance(seg.get('counts'), str):
                problems.append('%s: counts is not a compressed string' % im['file_name'])
                continue
            if seg['size'] != [h, w]:
                problems.append('%s: segmentation size %s, mask is [%d, %d]' % (im['file_name'], seg['size'], h, w))
                continue
            m = rle_decode(counts_from_string(seg['counts']), h, w)
            decoded |= m
            ys, xs = np.nonzero(m)
            bbox = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)] if len(xs) else [0, 0, 0, 0]
            if a['area'] != int(m.sum()):
                problems.append('%s: area %s, decoded %d' % (im['file_name'], a['area'], m.sum()))
            if [round(v) for v in a['bbox']] != bbox or any(v != round(v) for v in a['bbox']):
                problems.append('%s: bbox %s, decoded %s' % (im['file_name'], a['bbox'], bbox))
            if a['iscrowd'] != 1:
                problems.append('%s: RLE annotation with iscrowd %s' % (im['file_name'], a['iscrowd']))
            if a['category_id'] not in cats:
                problems.append('%s: unknown category %s' % (im['file_name'], a['category_id']))
        item['annotations'] = len(by_image.get(im['id'], []))
        item['iou'] = iou(decoded, truth)
        item['identical'] = bool((decoded == truth).all())
        out.append(item)
    listed = set(im['file_name'] for im in doc['images'])
    missing = sorted(set(sources) - listed)
    return {'images': out, 'categories': doc['categories'], 'problems': problems, 'missing': missing,
            'min_iou': min([i['iou'] for i in out] or [1.0])}


def fill_holes(mask):
    """Background not 4-connected to the outside (the dual of 8-connected foreground) becomes foreground."""
    h, w = mask.shape
    bg = np.zeros((h + 2, w + 2), bool)
    bg[1:-1, 1:-1] = ~mask
    bg[0, :] = bg[-1, :] = bg[:, 0] = bg[:, -1] = True
    outside = np.zeros_like(bg)
    outside[0, :] = outside[-1, :] = outside[:, 0] = outside[:, -1] = True
    while True:  # grow the outside through background, one 4-neighbour step at a time
        grown = outside.copy()
        grown[1:, :] |= outside[:-1, :]
        grown[:-1, :] |= outside[1:, :]
        grown[:, 1:] |= outside[:, :-1]
        grown[:, :-1] |= outside[:, 1:]
        grown &= bg
        if (grown == outside).all():
            return ~outside[1:-1, 1:-1]
        outside = grown


def parse_yolo(path, problems):
    polys = []
    for n, line in enumerate(open(path).read().splitlines(), 1):
        parts = line.split()
        if not parts:
            problems.append('%s:%d: empty line' % (path, n))
            continue
        if parts[0] != '0':
            problems.append('%s:%d: class %s' % (path, n, parts[0]))
        vals = [float(v) for v in parts[1:]]
        if len(vals) % 2 or len(vals) < 6:
            problems.append('%s:%d: %d coordinates' % (path, n, len(vals)))
        if any(v < 0 or v > 1 for v in vals):
            problems.append('%s:%d: coordinate outside 0..1' % (path, n))
        polys.append(list(zip(vals[0::2], vals[1::2])))
    return polys


def draw(polys, w, h, scale):
    im = Image.new('L', (w * scale, h * scale), 0)
    d = ImageDraw.Draw(im)
    for p in polys:
        d.polygon([(x * w * scale, y * h * scale) for x, y in p], fill=1)
    return np.asarray(im).astype(bool)


def check_yolo(sources):
    problems = []
    out = []
    for txt, src in sources.items():
        truth = source_mask(src['mask'], src['encoding'])
        h, w = truth.shape
        polys = parse_yolo(txt, problems)
        native = draw(polys, w, h, 1)
        centres = draw(polys, w, h, 4)[2::4, 2::4]
        out.append({'file': txt, 'polygons': len(polys), 'vertices': sum(len(p) for p in polys), 'truth_pixels': int(truth.sum()),
                    'iou': iou(native, truth), 'iou_centres': iou(centres, truth),
                    'iou_centres_filled': iou(centres, fill_holes(truth)),
                    'extra_centres_filled': int((centres & ~fill_holes(truth)).sum()),
                    'missing_centres_filled': int((fill_holes(truth) & ~centres).sum())})
    return {'files': out, 'problems': problems}


def synth(root):
    import os
    os.makedirs(os.path.join(root, 'images'), exist_ok=True)
    os.makedirs(os.path.join(root, 'masks'), exist_ok=True)
    masks = {}
    # Rings: a ring with a hole, a disk inside the hole, a frame touching the right and bottom
    # borders, a diagonal staircase, a checker patch (diagonal-only touches), specks of 1 and 2 px.
    h, w = 53, 71
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - 22, xx - 24)
    m = (r <= 18) & (r >= 10)
    m |= r <= 4
    m[40:, 55:] = True
    m[44:49, 60:66] = False  # a rectangular hole in the border block
    for i in range(12):
        m[2 + i, 50 + i] = True
    m[30:36, 46:52] = (np.add.outer(np.arange(6), np.arange(6)) % 2 == 0)
    m[50, 2] = True
    m[47, 10:12] = True
    masks['rings'] = m
    masks['empty'] = np.zeros((17, 23), bool)
    masks['full'] = np.ones((19, 13), bool)
    # Blobs: smoothed seeded noise, many pieces and holes; portrait size.
    rng = np.random.default_rng(7)
    noise = rng.random((24, 16))
    big = np.asarray(Image.fromarray((noise * 255).astype(np.uint8)).resize((61, 89), Image.BICUBIC)).astype(float)
    masks['blobs'] = big > 140
    one = np.zeros((9, 11), bool)
    one[0, 0] = True
    one[8, 10] = True
    one[4, 5] = True
    masks['corners'] = one
    for stem, m in masks.items():
        Image.fromarray((m * 255).astype(np.uint8), 'L').save(os.path.join(root, 'masks', stem + '.png'))
        photo = np.zeros(m.shape + (3,), np.uint8)
        photo[..., 0] = 40 + m * 150
        photo[..., 1] = 90
        Image.fromarray(photo, 'RGB').save(os.path.join(root, 'images', stem + '.png'))
    return {'stems': sorted(masks)}


def main():
    cmd = sys.argv[1]
    if cmd == 'synth':
        res = synth(sys.argv[2])
    elif cmd == 'coco':
        res = check_coco(sys.argv[2], json.load(open(sys.argv[3])))
    elif cmd == 'yolo':
        res = check_yolo(json.load(open(sys.argv[2])))
    else:
        raise SystemExit('unknown command ' + cmd)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
