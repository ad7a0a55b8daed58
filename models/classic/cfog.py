"""CFOG: channel features of orientated gradients, matched by per-channel NCC.

After Ye et al., "Fast and robust matching for multimodal remote sensing image
registration" (IEEE TGRS 2019). Per pixel, the gradient ``(gx, gy)`` (central
differences) is projected on ``n_orientations`` directions spread over
[0°, 180°); each channel holds ``|cos θ·gx + sin θ·gy|``, so a polarity flip
between visible and infrared (a hot object darker than its background in one
and brighter in the other) leaves the descriptor unchanged. The channels are
smoothed with a Gaussian in space and with a circular ``[1, 2, 1]`` kernel
along orientation, then L2-normalised per pixel. Matching is the mean over
channels of zero-mean NCC (see :mod:`models.classic.dense`).

This is also the tracker's fallback matcher when no learned weights exist:
use :meth:`CfogMatcher.encode_template` once and :meth:`CfogMatcher.search`
per frame; the result carries the full response map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from models.classic.base import to_grey
from models.classic.dense import DenseFeatureMatcher


@dataclass(frozen=True)
class CfogConfig:
    """Descriptor settings (defaults from the CFOG paper, not tuned on our data)."""

    n_orientations: int = 9
    sigma: float = 0.8  # spatial Gaussian, pixels
    orientation_smoothing: bool = True  # circular [1, 2, 1] / 4 along orientation
    eps: float = 1e-3  # added to the per-pixel L2 norm (grey levels are 0..255)

    def __post_init__(self) -> None:
        if self.n_orientations < 2:
            raise ValueError(f"n_orientations must be at least 2, got {self.n_orientations}")
        if self.sigma < 0:
            raise ValueError(f"sigma must be non-negative, got {self.sigma}")
        if self.eps <= 0:
            raise ValueError(f"eps must be positive, got {self.eps}")

    @property
    def margin(self) -> int:
        """Pixels of context the descriptor of one pixel depends on."""
        return 1 + int(math.ceil(3 * self.sigma))


def cfog_descriptor(image: np.ndarray, config: CfogConfig = CfogConfig()) -> np.ndarray:
    """Dense CFOG descriptor ``(n_orientations, H, W)`` float32 of an RGB or grey image.

    Float32 throughout (the projections once ran in float64: four times the cost for the same values to
    about 1e-7), orientation smoothing by channel slices instead of rolled copies.
    """
    grey = to_grey(image)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=1)
    angles = np.arange(config.n_orientations) * np.pi / config.n_orientations
    cos = np.cos(angles).astype(np.float32)[:, None, None]
    sin = np.sin(angles).astype(np.float32)[:, None, None]
    channels = np.abs(cos * gx + sin * gy)
    if config.sigma > 0:
        for c in range(len(channels)):
            channels[c] = cv2.GaussianBlur(channels[c], (0, 0), config.sigma, borderType=cv2.BORDER_REFLECT)
    if config.orientation_smoothing:  # circular [1, 2, 1] / 4 along orientation
        smooth = 0.5 * channels
        smooth[1:] += 0.25 * channels[:-1]
        smooth[0] += 0.25 * channels[-1]
        smooth[:-1] += 0.25 * channels[1:]
        smooth[-1] += 0.25 * channels[0]
        channels = smooth
    channels /= np.sqrt((channels * channels).sum(axis=0)) + config.eps
    return channels


class CfogMatcher(DenseFeatureMatcher):
    """Template matching on CFOG descriptors (``--method cfog``; the tracker's no-weights fallback)."""

    def __init__(self, config: CfogConfig = CfogConfig()):
        self.config = config
        super().__init__("cfog", lambda region: cfog_descriptor(region, config), margin=config.margin)
