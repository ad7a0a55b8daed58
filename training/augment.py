"""Augmentations of training crops: photometric per crop, geometric on the search crop.

Photometric changes (gamma, contrast, blur, noise, JPEG re-encoding, IR
polarity inversion) never move pixels. The geometric change is a small affine
map (rotation, scale, shear about the crop centre) applied to the search crop
only, to mimic imperfect registration between the template's modality and the
search's. Its effect on the ground truth is exact: points map through the same
matrix, and the box becomes the axis-aligned box around its four mapped
corners. All coordinates use the continuous pixel convention of
``core.geometry`` (pixel ``i`` covers ``[i, i+1)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.config import TrainConfig


@dataclass(frozen=True)
class PhotometricParams:
    """The photometric knobs of :class:`TrainConfig`, gathered for :func:`photometric`."""

    gamma_range: tuple[float, float] = (0.7, 1.5)
    contrast_range: tuple[float, float] = (0.7, 1.3)
    blur_prob: float = 0.2
    blur_sigma_max: float = 1.5
    noise_prob: float = 0.3
    noise_std_max: float = 8.0
    jpeg_prob: float = 0.3
    jpeg_quality_min: int = 30

    @classmethod
    def from_config(cls, cfg: TrainConfig) -> "PhotometricParams":
        return cls(cfg.gamma_range, cfg.contrast_range, cfg.blur_prob, cfg.blur_sigma_max, cfg.noise_prob,
                   cfg.noise_std_max, cfg.jpeg_prob, cfg.jpeg_quality_min)


def photometric(image: np.ndarray, rng: np.random.Generator, p: PhotometricParams) -> np.ndarray:
    """Random gamma, contrast, blur, noise and JPEG re-encoding of a uint8 ``H×W`` or ``H×W×3`` image."""
    lo, hi = p.gamma_range
    gamma = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    lut = np.clip(255.0 * (np.arange(256) / 255.0) ** gamma + 0.5, 0, 255).astype(np.uint8)
    out = cv2.LUT(image, lut).astype(np.float32)
    contrast = rng.uniform(*p.contrast_range)
    mean = float(out.mean())
    out = mean + contrast * (out - mean)
    if rng.random() < p.blur_prob and p.blur_sigma_max > 0:
        sigma = rng.uniform(0.3, max(0.3, p.blur_sigma_max))
        out = cv2.GaussianBlur(out, (0, 0), sigmaX=sigma)
    if rng.random() < p.noise_prob and p.noise_std_max > 0:
        out = out + rng.normal(0.0, rng.uniform(0.0, p.noise_std_max), size=out.shape).astype(np.float32)
    out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    if rng.random() < p.jpeg_prob:
        out = jpeg_roundtrip(out, int(rng.integers(p.jpeg_quality_min, 96)))
    return out


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode ``image`` (RGB or grey uint8) as JPEG at ``quality``."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        return image
    flag = cv2.IMREAD_COLOR if image.ndim == 3 else cv2.IMREAD_GRAYSCALE
    dec = cv2.imdecode(buf, flag)
    return cv2.cvtColor(dec, cv2.COLOR_BGR2RGB) if image.ndim == 3 else dec


def invert(image: np.ndarray) -> np.ndarray:
    """IR polarity inversion (white-hot <-> black-hot)."""
    return 255 - image


def random_affine(rng: np.random.Generator, rotate_max_deg: float, scale_max: float, shear_max: float) -> np.ndarray:
    """A random 2×2 linear map: rotation, isotropic scale and shear within the given bounds."""
    theta = math.radians(rng.uniform(-rotate_max_deg, rotate_max_deg))
    scale = math.exp(rng.uniform(-math.log1p(scale_max), math.log1p(scale_max)))
    shear = rng.uniform(-shear_max, shear_max)
    c, s = math.cos(theta), math.sin(theta)
    rot = np.array([[c, -s], [s, c]])
    shr = np.array([[1.0, shear], [0.0, 1.0]])
    return scale * rot @ shr


def affine_about(linear: np.ndarray, center: tuple[float, float]) -> np.ndarray:
    """2×3 matrix applying ``linear`` about ``center`` in continuous pixel coordinates."""
    c = np.asarray(center, dtype=np.float64)
    t = c - linear @ c
    return np.concatenate([np.asarray(linear, dtype=np.float64), t[:, None]], axis=1)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` continuous-coordinate points through a 2×3 affine matrix."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def map_box_xywh(matrix: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Axis-aligned xywh box around the four corners of ``box`` mapped by ``matrix``."""
    x, y, w, h = (float(v) for v in box)
    m = map_points(matrix, np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]]))
    lo, hi = m.min(axis=0), m.max(axis=0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])


def warp_affine(image: np.ndarray, matrix: np.ndarray, pad_value: float | tuple[float, ...]) -> np.ndarray:
    """Warp ``image`` by the continuous-coordinate affine ``matrix`` (same output size, constant padding).

    OpenCV's array coordinates put pixel centres at integers, ours at
    ``i + 0.5``; the translation is adjusted so both agree exactly.
    """
    half = np.array([0.5, 0.5])
    arr = matrix.copy()
    arr[:, 2] = matrix[:, :2] @ half + matrix[:, 2] - half
    border = tuple(float(v) for v in np.atleast_1d(pad_value))
    if len(border) == 1:
        border = border * 4
    h, w = image.shape[:2]
    return cv2.warpAffine(image, arr, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def geometric(
    image: np.ndarray,
    box: np.ndarray,
    center: np.ndarray,
    rng: np.random.Generator,
    cfg: TrainConfig,
    pad_value: float | tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Warp a search crop by a random registration error; return (image, box, centre) updated exactly."""
    linear = random_affine(rng, cfg.rotate_max_deg, cfg.geom_scale_max, cfg.shear_max)
    h, w = image.shape[:2]
    matrix = affine_about(linear, (w / 2.0, h / 2.0))
    return (
        warp_affine(image, matrix, pad_value),
        map_box_xywh(matrix, box),
        map_points(matrix, center)[0],
    )
