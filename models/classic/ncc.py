"""Intensity NCC: zero-mean normalised cross correlation of grey levels.

The classic single-modality baseline. Across modalities it fails wherever the
visible and infrared brightness are unrelated or inverted (hot dark objects).
"""
from __future__ import annotations

import numpy as np

from models.classic.base import to_grey
from models.classic.dense import DenseFeatureMatcher


def intensity_features(region: np.ndarray) -> np.ndarray:
    """The grey level as a single float32 channel ``(1, H, W)``."""
    return to_grey(region)[None]


class NccMatcher(DenseFeatureMatcher):
    """Template matching on grey levels (``--method ncc``)."""

    def __init__(self) -> None:
        super().__init__("ncc", intensity_features, margin=0)
