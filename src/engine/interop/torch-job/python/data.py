"""The dataset of the job: the studio's two layouts and the studio's own splits.

splits.json (written by `seg-studio export-job`) lists, per split, each sample's id and its photo
and mask paths relative to the dataset folder, as the studio's importer found and split them
(the run's seeded validation fraction of trainval, the official test.txt; for images/ + masks/
folders the seeded train/valid/test split). Layouts:
- Oxford-IIIT Pet: images/NAME.jpg + annotations/trimaps/NAME.png (1 pet, 2 background,
  3 border; 1 and 3 are foreground, as in the studio);
- generic: images/NAME.* + masks/NAME.png (0/1 or 0/255).
Photos are decoded in their stored orientation (no EXIF rotation, as the studio: the trimaps were
drawn on the stored pixels), alpha composited over black, then resized once to the training size
and kept in memory (like the studio's sample cache).
"""
import io
import json
import os

import numpy as np
from PIL import Image
import torch
from torch.utils.data import Dataset

import augment as aug


class DataFileError(ValueError):
    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")


def load_splits(job_dir, data_root):
    """{'train': [...], 'valid': [...], 'test': [...]} of (id, image path, mask path), checked to exist."""
    path = os.path.join(job_dir, "splits.json")
    with open(path, encoding="utf-8") as f:
        splits = json.load(f)
    if not os.path.isdir(data_root):
        raise DataFileError(data_root, "dataset folder does not exist (pass --data with the dataset's path on this machine)")
    out = {}
    for name in ("train", "valid", "test"):
        items = []
        for s in splits[name]:
            image, mask = os.path.join(data_root, s["image"]), os.path.join(data_root, s["mask"])
            for p in (image, mask):
                if not os.path.isfile(p):
                    raise DataFileError(p, f"listed in {path} ({name}) but missing under {data_root}")
            items.append((s["id"], image, mask))
        out[name] = items
    return out, splits["maskEncoding"]


def _embedded_profile_to_srgb(im):
    """The photo converted to sRGB through its embedded ICC profile (libvips, the studio's
    decoder, does this with the same littleCMS), or None without a profile or ImageCms."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "CMYK"):
        return None
    try:
        from PIL import ImageCms
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), renderingIntent=1, outputMode="RGB")
    except (ImportError, OSError, ValueError):  # no littleCMS in this Pillow, or a broken profile
        return None


def decode_image(path):
    """HxWx3 uint8 sRGB, stored orientation, alpha over black."""
    try:
        with Image.open(path) as im:
            im.load()
            converted = _embedded_profile_to_srgb(im)
            if converted is not None:
                return np.asarray(converted, dtype=np.uint8).copy()
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                rgba = np.asarray(im.convert("RGBA"), dtype=np.float64)
                rgb = rgba[:, :, :3] * (rgba[:, :, 3:4] / 255)
                return np.floor(rgb + 0.5).astype(np.uint8)
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except (OSError, ValueError) as e:
        raise DataFileError(path, f"cannot decode image ({e})") from e


def decode_mask(path, encoding):
    """HxW uint8 0/1: trimap 1 and 3 -> 1, 2 -> 0; binary 0/1 or 0/255. Other values are errors."""
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I", "F"):
                raise DataFileError(path, f"mask has {im.mode} samples, expected 8-bit")
            if im.mode == "L":
                v = np.asarray(im, dtype=np.uint8)
            elif im.mode == "LA":
                v = np.asarray(im, dtype=np.uint8)[:, :, 0]
            else:
                rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
                if not ((rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 0] == rgb[:, :, 2]).all()):
                    raise DataFileError(path, "mask has colour pixels, expected a grey mask")
                v = rgb[:, :, 0]
    except OSError as e:
        raise DataFileError(path, f"cannot decode mask ({e})") from e
    if encoding == "trimap":
        bad = ~np.isin(v, (1, 2, 3))
        if bad.any():
            y, x = np.argwhere(bad)[0]
            raise DataFileError(path, f"trimap has value {v[y, x]} (at x={x}, y={y}), expected only 1, 2 or 3")
        return ((v == 1) | (v == 3)).astype(np.uint8)
    bad = ~np.isin(v, (0, 1, 255))
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise DataFileError(path, f"binary mask has value {v[y, x]} (at x={x}, y={y}), expected 0/1 or 0/255")
    if (v == 1).any() and (v == 255).any():
        raise DataFileError(path, "binary mask mixes values 1 and 255, expected 0/1 or 0/255")
    return (v > 0).astype(np.uint8)


class SegmentationDataset(Dataset):
    """Items (id, photo, mask) -> (x 3xSxS float32 normalised, y 1xSxS float32 0/1, index).

    With `augment` (the run's augmentation config) each item is augmented with the studio's
    stream for (seed, epoch, id); call set_epoch() before each epoch (DistributedSampler's twin).
    """

    def __init__(self, items, encoding, size, augment=None, seed=0, cache_bytes=1 << 30):
        self.items, self.encoding, self.size = items, encoding, size
        self.augment, self.seed, self.epoch = augment, seed, 0
        self.cache, self.cache_left = {}, cache_bytes

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return len(self.items)

    def resized(self, i):
        hit = self.cache.get(i)
        if hit is not None:
            return hit
        sid, image_path, mask_path = self.items[i]
        image, mask = decode_image(image_path), decode_mask(mask_path, self.encoding)
        if mask.shape != image.shape[:2]:
            raise DataFileError(mask_path, f"mask is {mask.shape[1]}x{mask.shape[0]} but its image is {image.shape[1]}x{image.shape[0]}")
        image, mask = aug.resize_sample(image, mask, self.size)
        if self.cache_left >= image.nbytes + mask.nbytes:
            self.cache[i] = (image, mask)
            self.cache_left -= image.nbytes + mask.nbytes
        return image, mask

    def __getitem__(self, i):
        image, mask = self.resized(i)
        if self.augment and self.augment.get("enabled", True):
            rng = aug.sample_rng(self.seed, self.epoch, self.items[i][0])
            image, mask, _ = aug.augment_sample(image, mask, self.augment, rng, self.size)
        x = torch.from_numpy(aug.normalize_imagenet(image))
        y = torch.from_numpy(mask.astype(np.float32)[None])
        return x, y, i
