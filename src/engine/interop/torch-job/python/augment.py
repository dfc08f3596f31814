"""The studio's augmentation pipeline in numpy, step for step (src/engine/augment/ in the studio).

Resize(size) (the photo antialiased bilinear, the mask nearest on the same pixel centres), then
  OneOf([RandomResizedCrop(scale, ratio 3/4-4/3), Rotate(+-limit, reflect-101)], p)
  OneOf([HorizontalFlip, VerticalFlip], p)
  OneOf([RandomBrightnessContrast(+-b, +-c), RandomGamma(min-max)], p)
  OneOf([GaussNoise(var min-max), GaussianBlur(odd kernel min-max)], p)
and the ImageNet normalisation. The random draws come from the studio's own generator
(mulberry32, the same seeding per (seed, epoch, sample id)), so a sample gets the same crop,
angle, flip, colour shift and noise pixels here as in the studio. What can still differ is listed
in the job's README.md (rounding ties, the photo decoder).
Needs only numpy.
"""
import math

import numpy as np

M32 = 0xFFFFFFFF
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CROP_RATIO = (3 / 4, 4 / 3)


def imul(a, b):
    return (a * b) & M32


def js_round(x):
    """Math.round: halves go up (Python's round() would go to even)."""
    return math.floor(x + 0.5)


class Rng:
    """mulberry32, bit for bit the studio's Rng (src/engine/util/rng.ts)."""

    def __init__(self, seed):
        self.state = (seed & M32) ^ 0x9E3779B9

    @staticmethod
    def _out(t):
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return (t ^ (t >> 14)) & M32

    def next_u32(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        return self._out(self.state)

    def next(self):
        return self.next_u32() / 4294967296

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def int(self, lo, hi):
        """Integer in [lo, hi] inclusive."""
        return lo + math.floor(self.next() * (hi - lo + 1))

    def fork(self, salt):
        return Rng(self.next_u32() ^ imul(salt + 1, 0x85EBCA6B))

    def next_many(self, n):
        """The next n draws at once (the state only advances by a constant per draw)."""
        k = np.arange(1, n + 1, dtype=np.uint64)
        t = ((np.uint64(self.state) + k * np.uint64(0x6D2B79F5)) & np.uint64(M32)).astype(np.uint64)
        self.state = int(t[-1]) if n else self.state
        m = np.uint64(M32)
        t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & m
        t ^= (t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & m)) & m
        return ((t ^ (t >> np.uint64(14))) & m).astype(np.float64) / 4294967296


def mix(*parts):
    """The studio's batches.ts mix(): distinct seeds for (seed, epoch, sample)."""
    h = 0x2545F491
    for p in parts:
        h = imul(h ^ (p & M32), 0xCC9E2D51)
        h = ((h << 15) | (h >> 17)) & M32
        h = imul(h, 0x1B873593) ^ (h >> 13)
    h ^= h >> 16
    h = imul(h, 0x85EBCA6B)
    h ^= h >> 13
    return h & M32


def hash_id(s):
    """FNV-1a over UTF-16 code units, as the studio hashes sample ids."""
    h = 0x811C9DC5
    units = s.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h = imul(h ^ (units[i] | (units[i + 1] << 8)), 0x01000193)
    return h


def sample_rng(seed, epoch, sample_id):
    return Rng(mix(seed, epoch, hash_id(sample_id)))


# ---- resizing (src/engine/augment/resize.ts) ----

def _taps(offset, span, dst):
    """Triangle filter taps, widened with the shrink factor; edge taps fold onto the edge pixel."""
    scale = span / dst
    support = max(1.0, scale)
    count = min(span, math.ceil(2 * support))
    start = np.zeros(dst, dtype=np.int64)
    weights = np.zeros((dst, count), dtype=np.float32)
    for o in range(dst):
        centre = (o + 0.5) * scale
        first = math.floor(centre - support - 0.5) + 1
        lo = min(max(first, 0), span - count)
        start[o] = offset + lo
        total = 0.0
        for i in range(first, first + count):
            w = max(0.0, 1 - abs((i + 0.5 - centre) / support))
            if w == 0:
                continue
            k = min(max(i, 0), span - 1) - lo
            weights[o, k] = np.float32(weights[o, k] + np.float32(w))
            total += w
        weights[o] = (weights[o].astype(np.float64) / total).astype(np.float32)
    return start, count, weights


def resize_image_region(img, rect, width, height):
    """Region rect = (x, y, w, h) of an HxWx3 uint8 image to height x width (antialiased bilinear)."""
    x, y, w, h = rect
    sx, cx, wx = _taps(x, w, width)
    sy, cy, wy = _taps(y, h, height)
    row_lo, row_hi = int(sy[0]), int(sy[-1]) + cy
    src = img[row_lo:row_hi].astype(np.float64)
    tmp = np.zeros((row_hi - row_lo, width, 3), dtype=np.float64)
    for k in range(cx):
        tmp += wx[:, k].astype(np.float64)[None, :, None] * src[:, sx + k, :]
    tmp = tmp.astype(np.float32).astype(np.float64)
    acc = np.zeros((height, width, 3), dtype=np.float64)
    for k in range(cy):
        acc += wy[:, k].astype(np.float64)[:, None, None] * tmp[sy + k - row_lo]
    return np.clip(np.floor(acc + 0.5), 0, 255).astype(np.uint8)


def resize_mask_region(mask, rect, width, height):
    """Nearest neighbour on pixel centres (the mask pixel under the photo pixel's centre)."""
    x, y, w, h = rect
    xs = x + np.minimum(w - 1, np.floor((np.arange(width) + 0.5) * w / width).astype(np.int64))
    ys = y + np.minimum(h - 1, np.floor((np.arange(height) + 0.5) * h / height).astype(np.int64))
    return mask[ys[:, None], xs[None, :]]


def resize_sample(image, mask, size):
    h, w = image.shape[:2]
    if mask is not None and mask.shape != (h, w):
        raise ValueError(f"mask is {mask.shape[1]}x{mask.shape[0]} but its image is {w}x{h}")
    if (h, w) == (size, size):
        return image.copy(), None if mask is None else mask.copy()
    rect = (0, 0, w, h)
    return resize_image_region(image, rect, size, size), None if mask is None else resize_mask_region(mask, rect, size, size)


# ---- geometric (src/engine/augment/geometric.ts) ----

def reflect101(i, n):
    """OpenCV's BORDER_REFLECT_101 on an integer array of indices."""
    if n == 1:
        return np.zeros_like(i)
    period = 2 * n - 2
    r = np.mod(i, period)
    return np.where(r < n, r, period - r)


def random_crop_rect(rng, width, height, scale, ratio):
    area = width * height
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(log_lo, log_hi))
        w = js_round(math.sqrt(target * aspect))
        h = js_round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            return (rng.int(0, width - w), rng.int(0, height - h), w, h)
    in_ratio = width / height
    w, h = width, height
    if in_ratio < ratio[0]:
        h = js_round(w / ratio[0])
    elif in_ratio > ratio[1]:
        w = js_round(h * ratio[1])
    return ((width - w) >> 1, (height - h) >> 1, w, h)


def rotate(image, mask, degrees):
    """About the centre, counter-clockwise as displayed, size kept; reflect-101 for both."""
    h, w = image.shape[:2]
    rad = degrees * math.pi / 180
    cos, sin = math.cos(rad), math.sin(rad)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    xs = np.arange(w, dtype=np.float64)[None, :]
    dy = np.arange(h, dtype=np.float64)[:, None] - cy
    sx = cx - cos * cx - sin * dy + xs * cos
    sy = cy - sin * cx + cos * dy + xs * sin
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    fx, fy = sx - x0, sy - y0
    xa, xb = reflect101(x0, w), reflect101(x0 + 1, w)
    ya, yb = reflect101(y0, h), reflect101(y0 + 1, h)
    src = image.astype(np.float64)
    out = ((1 - fx) * (1 - fy))[..., None] * src[ya, xa] + (fx * (1 - fy))[..., None] * src[ya, xb] \
        + ((1 - fx) * fy)[..., None] * src[yb, xa] + (fx * fy)[..., None] * src[yb, xb]
    out = np.floor(out + 0.5).astype(np.uint8)
    if mask is None:
        return out, None
    nx = np.where(fx < 0.5, x0, x0 + 1)
    ny = np.where(fy < 0.5, y0, y0 + 1)
    return out, mask[reflect101(ny, h), reflect101(nx, w)]


def flip(image, mask, horizontal):
    axis = 1 if horizontal else 0
    return np.flip(image, axis).copy(), None if mask is None else np.flip(mask, axis).copy()


# ---- colour (src/engine/augment/photometric.ts) ----

def _clamp_lut(f):
    return np.array([min(255, max(0, js_round(f(v)))) for v in range(256)], dtype=np.uint8)


def brightness_contrast(image, alpha, beta):
    return _clamp_lut(lambda v: v * alpha + beta * 255)[image]


def gamma_correct(image, gamma):
    return _clamp_lut(lambda v: 255 * math.pow(v / 255, gamma))[image]


# ---- noise (src/engine/augment/noise.ts) ----

def gauss_noise(image, sigma, rng):
    """Marsaglia's polar method, consuming the generator's draws in the studio's order."""
    flat = image.reshape(-1).astype(np.float64)
    pairs_needed = (flat.size + 1) // 2
    normals = []
    got = 0
    while got < pairs_needed:
        want = pairs_needed - got
        draws = rng.next_many(2 * (int(want * 1.35) + 16))
        u, v = 2 * draws[0::2] - 1, 2 * draws[1::2] - 1
        s = u * u + v * v
        ok = (s < 1) & (s != 0)
        idx = np.nonzero(ok)[0]
        if len(idx) > want:
            # Give back the draws after the last pair used: the stream must stop where the studio's does.
            last = idx[want - 1]
            rng.state = (rng.state - (len(draws) - 2 * (last + 1)) * 0x6D2B79F5) & M32
            idx = idx[:want]
        f = np.sqrt(-2 * np.log(s[idx]) / s[idx])
        normals.append(np.stack([u[idx] * f, v[idx] * f], axis=1).reshape(-1))
        got += len(idx)
    noise = np.concatenate(normals)[: flat.size] * sigma
    a = flat + noise
    out = np.where(a <= 0, 0, np.where(a >= 255, 255, np.floor(a + 0.5)))
    return out.astype(np.uint8).reshape(image.shape)


def sigma_for_kernel(k):
    return 0.3 * ((k - 1) * 0.5 - 1) + 0.8


def gaussian_blur(image, k):
    sigma = sigma_for_kernel(k)
    r = (k - 1) >> 1
    i = np.arange(-r, r + 1, dtype=np.float64)
    kern = np.exp(-(i * i) / (2 * sigma * sigma)).astype(np.float32)
    kern = (kern.astype(np.float64) / kern.astype(np.float64).sum()).astype(np.float32).astype(np.float64)
    h, w = image.shape[:2]
    src = image.astype(np.float64)
    cols = reflect101(np.arange(-r, w + r), w)
    padded = src[:, cols]
    tmp = sum(kern[t] * padded[:, t:t + w] for t in range(k))
    rows = reflect101(np.arange(-r, h + r), h)
    padded = tmp[rows]
    acc = sum(kern[t] * padded[t:t + h] for t in range(k))
    return np.where(acc <= 0, 0, np.where(acc >= 255, 255, np.floor(acc + 0.5))).astype(np.uint8)


def odd_kernel_sizes(lo, hi):
    sizes = list(range(max(3, lo | 1), hi + 1, 2))
    return sizes or [max(3, lo | 1)]


# ---- the pipeline (src/engine/augment/pipeline.ts) ----

def augment_sample(image, mask, config, rng, size):
    """image HxWx3 uint8, mask HxW uint8 0/1 (already size x size when cached); returns both and the names applied."""
    image, mask = resize_sample(image, mask, size)
    applied = []
    if not config or not config.get("enabled", True):
        return image, mask, applied
    geo_rng, flip_rng, color_rng, noise_rng = rng.fork(1), rng.fork(2), rng.fork(3), rng.fork(4)
    g = config["geometric"]
    if geo_rng.next() < g["p"]:
        if geo_rng.next() < 0.5:
            rect = random_crop_rect(geo_rng, size, size, (g["cropScaleMin"], g["cropScaleMax"]), CROP_RATIO)
            image, mask = resize_image_region(image, rect, size, size), None if mask is None else resize_mask_region(mask, rect, size, size)
            applied.append("RandomResizedCrop")
        else:
            image, mask = rotate(image, mask, geo_rng.uniform(-g["rotateLimit"], g["rotateLimit"]))
            applied.append("Rotate")
    if flip_rng.next() < config["flip"]["p"]:
        horizontal = flip_rng.next() < 0.5
        image, mask = flip(image, mask, horizontal)
        applied.append("HorizontalFlip" if horizontal else "VerticalFlip")
    c = config["color"]
    if color_rng.next() < c["p"]:
        if color_rng.next() < 0.5:
            alpha = 1 + color_rng.uniform(-c["contrastLimit"], c["contrastLimit"])
            beta = color_rng.uniform(-c["brightnessLimit"], c["brightnessLimit"])
            image = brightness_contrast(image, alpha, beta)
            applied.append("RandomBrightnessContrast")
        else:
            image = gamma_correct(image, color_rng.uniform(c["gammaMin"], c["gammaMax"]) / 100)
            applied.append("RandomGamma")
    n = config["noise"]
    if noise_rng.next() < n["p"]:
        if noise_rng.next() < 0.5:
            variance = noise_rng.uniform(n["noiseVarMin"], n["noiseVarMax"])
            image = gauss_noise(image, math.sqrt(variance), noise_rng)
            applied.append("GaussNoise")
        else:
            sizes = odd_kernel_sizes(n["blurMin"], n["blurMax"])
            image = gaussian_blur(image, sizes[noise_rng.int(0, len(sizes) - 1)])
            applied.append("GaussianBlur")
    return image, mask, applied


_NORM_LUT = np.array(
    [[(v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c] for v in range(256)] for c in range(3)], dtype=np.float64
).astype(np.float32)


def normalize_imagenet(image):
    """HxWx3 uint8 -> 3xHxW float32, (v/255 - mean) / std per channel."""
    return np.stack([_NORM_LUT[c][image[:, :, c]] for c in range(3)])
