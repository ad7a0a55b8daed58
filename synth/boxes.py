"""Sampling target boxes that have structure in both modalities.

Used by the real-pair sequence maker, the matching-query maker and training:
a box is only a fair target if both the visible and the infrared image show
something inside it (edges), not flat sky or road.
"""
from __future__ import annotations

import cv2
import numpy as np


def gradient_magnitude(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of a grey or RGB uint8 image, as float32."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    grey = grey.astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def structure_score(grad: np.ndarray, box: tuple[float, float, float, float], reference: float | None = None) -> float:
    """Mean gradient magnitude inside an xywh box, normalised by the image's median magnitude.

    Pass ``reference`` (``median(grad) + 1``) when scoring many boxes of one image.
    """
    x, y, w, h = (int(round(v)) for v in box)
    patch = grad[max(y, 0): y + h, max(x, 0): x + w]
    if patch.size == 0:
        return 0.0
    ref = float(np.median(grad)) + 1.0 if reference is None else reference
    return float(patch.mean()) / ref


def sample_structured_boxes(
    visible: np.ndarray,
    infrared: np.ndarray,
    rng: np.random.Generator,
    n: int,
    min_side: int = 24,
    max_frac: float = 0.25,
    aspect: tuple[float, float] = (0.5, 2.0),
    min_score: float = 1.5,
    max_tries: int = 400,
) -> list[tuple[int, int, int, int]]:
    """Draw up to ``n`` integer xywh boxes inside the image with structure in both modalities.

    Sides run from ``min_side`` to ``max_frac`` of the image's shorter side;
    the aspect ratio ``w/h`` is log-uniform in ``aspect``. A box is kept when
    its :func:`structure_score` is at least ``min_score`` in *both* images.
    Fewer than ``n`` boxes come back if the image is too flat.
    """
    h_img, w_img = infrared.shape[:2]
    if visible.shape[:2] != (h_img, w_img):
        raise ValueError(f"visible {visible.shape[:2]} and infrared {(h_img, w_img)} sizes differ")
    max_side = max(min_side, int(max_frac * min(h_img, w_img)))
    grad_v, grad_i = gradient_magnitude(visible), gradient_magnitude(infrared)
    ref_v, ref_i = float(np.median(grad_v)) + 1.0, float(np.median(grad_i)) + 1.0
    out: list[tuple[int, int, int, int]] = []
    for _ in range(max_tries):
        if len(out) >= n:
            break
        ratio = float(np.exp(rng.uniform(np.log(aspect[0]), np.log(aspect[1]))))
        area_side = rng.uniform(min_side, max_side)
        w = int(round(area_side * np.sqrt(ratio)))
        h = int(round(area_side / np.sqrt(ratio)))
        w, h = int(np.clip(w, min_side, max_side)), int(np.clip(h, min_side, max_side))
        if w >= w_img or h >= h_img:
            continue
        x = int(rng.integers(0, w_img - w + 1))
        y = int(rng.integers(0, h_img - h + 1))
        box = (x, y, w, h)
        if structure_score(grad_v, box, ref_v) >= min_score and structure_score(grad_i, box, ref_i) >= min_score:
            out.append(box)
    return out
