"""Gradient-magnitude NCC: NCC of Sobel gradient magnitudes.

Edges tend to appear in both modalities even when their polarity flips, so
the magnitude (which ignores polarity and direction) transfers better than
grey levels.
"""
from __future__ import annotations

import cv2
import numpy as np

from models.classic.base import to_grey
from models.classic.dense import DenseFeatureMatcher


def gradient_magnitude_features(region: np.ndarray) -> np.ndarray:
    """3×3 Sobel gradient magnitude of the grey image as one channel ``(1, H, W)``."""
    grey = to_grey(region)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)[None]


class GradientNccMatcher(DenseFeatureMatcher):
    """Template matching on gradient magnitude (``--method grad-ncc``)."""

    def __init__(self) -> None:
        super().__init__("grad-ncc", gradient_magnitude_features, margin=1)
