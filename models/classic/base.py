"""The common protocol and result type of single-box cross-modal matchers.

A matcher gets a template (an image and an xywh box in it) and a search image
with an xywh search window, and returns the predicted box in the search
image's full-image pixel coordinates (``core.geometry`` convention). The
images may be of different modalities (visible ``H×W×3`` RGB, infrared
``H×W``) but are aligned pixel for pixel and share one scale, so the predicted
box has the template's size.

The hand-crafted matchers in this package and the learned-matcher adapter in
``evaluation.learned`` all follow :class:`TemplateMatcher`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

Box = tuple[float, float, float, float]


@dataclass(frozen=True, eq=False)
class MatchResult:
    """One match.

    ``box`` is xywh in the search image, or all NaN when the method found no
    match (SIFT with too few inliers). ``score`` is method specific (higher
    is more confident; NaN without a match). ``response`` is the dense score
    map (or ``None`` for sparse methods): cell ``(i, j)`` scores the box
    centred at image point ``(origin[0] + stride * j, origin[1] + stride * i)``.
    """

    box: Box
    score: float
    response: np.ndarray | None = None
    origin: tuple[float, float] = (0.0, 0.0)
    stride: float = 1.0

    @property
    def found(self) -> bool:
        """Whether the method returned a box at all."""
        return all(math.isfinite(v) for v in self.box)


NO_MATCH = MatchResult(box=(math.nan,) * 4, score=math.nan)


@runtime_checkable
class TemplateMatcher(Protocol):
    """Anything that locates a template box of one image inside a window of another."""

    name: str

    def match(self, template_image: np.ndarray, template_box: Box,
              search_image: np.ndarray, search_window: Box) -> MatchResult:
        """Predict the template's box inside ``search_window`` of ``search_image``."""
        ...


def to_grey(image: np.ndarray) -> np.ndarray:
    """A float32 grey image from an RGB ``H×W×3`` or grey ``H×W`` uint8 array."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.astype(np.float32)


def pixel_span(start: float, size: float, limit: int) -> tuple[int, int]:
    """Integer pixel range ``[a, b)`` covering ``[start, start + size)``, clipped to ``[0, limit)``."""
    a = max(int(math.floor(start + 1e-6)), 0)
    b = min(int(math.ceil(start + size - 1e-6)), limit)
    return a, b


def template_pixels(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Integer pixel rectangle ``(x0, y0, x1, y1)`` used as the template of ``box``.

    The box's corner is rounded to the nearest pixel and its size kept
    (at least one pixel), clipped to the image.
    """
    h_img, w_img = shape[:2]
    x0 = min(max(int(round(box[0])), 0), w_img - 1)
    y0 = min(max(int(round(box[1])), 0), h_img - 1)
    x1 = min(x0 + max(int(round(box[2])), 1), w_img)
    y1 = min(y0 + max(int(round(box[3])), 1), h_img)
    return x0, y0, x1, y1


def window_pixels(window: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Integer pixel rectangle ``(x0, y0, x1, y1)`` of a search window, clipped to the image."""
    h_img, w_img = shape[:2]
    x0, x1 = pixel_span(window[0], window[2], w_img)
    y0, y1 = pixel_span(window[1], window[3], h_img)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"search window {window} does not overlap the {w_img}x{h_img} image")
    return x0, y0, x1, y1
