"""A per-pixel foreground weight for a template, from the init frame's colours alone.

A small target fills under half of its box (a walker 20 px wide in a 50 px
box while it strides); the rest is background: hedge tops and kerbs whose
strong edges a structure descriptor matches across modalities better than the
target's own outline, so the box sticks to the background the target leaves.
Those background structures usually run on beyond the box, so their colours
are also found in the ring around it, and the target's are not.

``foreground_probability`` is the colour-histogram object model of the
distractor-aware tracker (Possegger et al., "In defense of color-based
model-free tracking", CVPR 2015): for each pixel of the exemplar crop, the
share of its colour bin that falls inside the box rather than in the
surrounding ring, each histogram normalised by its region's area (so a colour
spread evenly over box and ring scores 0.5). It is computed on the template's
own image (the init modality), so a heterologous template stays
heterologous: nothing comes from the modality that is searched.
"""
from __future__ import annotations

import cv2
import numpy as np


def _bin_index(crop: np.ndarray, bins: int) -> np.ndarray:
    """Colour bin of every pixel: ``bins`` levels per RGB channel, or ``bins ** 2`` grey levels for one channel
    (a grey image has a single channel to tell colours apart with)."""
    if crop.ndim == 3:
        q = (crop.astype(np.int32) * bins) >> 8
        return (q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]
    levels = bins * bins
    return (crop.astype(np.int32) * levels) >> 8


def _inside(shape: tuple[int, int], target: tuple[float, float]) -> np.ndarray:
    """``(H, W)`` bool mask of the target box ``target`` = (w, h) centred in a crop of that shape."""
    h, w = shape
    tw, th = float(target[0]), float(target[1])
    x0, x1 = max(0, int(round((w - tw) / 2))), min(w, int(round((w + tw) / 2)))
    y0, y1 = max(0, int(round((h - th) / 2))), min(h, int(round((h + th) / 2)))
    inside = np.zeros((h, w), bool)
    inside[y0:y1, x0:x1] = True
    return inside


def foreground_probability(crop: np.ndarray, target: tuple[float, float], bins: int = 8,
                           smooth: float = 1.0) -> np.ndarray:
    """``(H, W)`` float32 in [0, 1]: how much likelier each pixel's colour is inside the centred target box
    ``target`` = (w, h) (crop px) than in the rest of the crop. 0.5 where the colour is equally common in both
    or in neither; a crop with no ring (the box covers it) gives 0.5 everywhere. ``smooth`` is the Gaussian's
    sigma in pixels (0 = none)."""
    inside = _inside(crop.shape[:2], target)
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    if n_in == 0 or n_out == 0:
        return np.full(crop.shape[:2], 0.5, np.float32)
    idx = _bin_index(crop, bins)
    size = bins ** 3 if crop.ndim == 3 else bins * bins
    h_in = np.bincount(idx[inside], minlength=size) / n_in
    h_out = np.bincount(idx[~inside], minlength=size) / n_out
    total = h_in + h_out
    p = np.where(total > 0, h_in / np.maximum(total, 1e-12), 0.5).astype(np.float32)
    return smoothed(p[idx], smooth)


def smoothed(prob: np.ndarray, smooth: float) -> np.ndarray:
    """``prob`` blurred by a Gaussian of sigma ``smooth`` px (0 = as it is), float32."""
    return (cv2.GaussianBlur(prob, (0, 0), smooth) if smooth > 0 else prob).astype(np.float32)


def separation(prob: np.ndarray, target: tuple[float, float]) -> float:
    """How well the colours tell the centred box from its ring: the mean foreground probability inside the box
    minus the mean outside it, in [-1, 1] (0 when there is no ring). A walker in a yellow shirt against a hedge
    scores about 0.3, a patch of road whose colours run on beyond its box under 0.1."""
    inside = _inside(prob.shape, target)
    if inside.all() or not inside.any():
        return 0.0
    return float(prob[inside].mean() - prob[~inside].mean())


def template_weights(crop: np.ndarray, target: tuple[float, float], strength: float,
                     full_at: float = 0.0) -> np.ndarray | None:
    """Weights ``(1 - k) + k * foreground_probability`` over the crop, or None where ``k`` is 0. ``k`` is
    ``strength``, scaled down by ``separation / full_at`` where the colours set the box apart from its ring by
    less than ``full_at`` (0 = never scaled): where they barely do, the probabilities are noise. The
    separation is measured on the probabilities before their blur."""
    if strength <= 0:
        return None
    raw = foreground_probability(crop, target, smooth=0)
    k = strength
    if full_at > 0:
        k *= float(np.clip(separation(raw, target) / full_at, 0.0, 1.0))
    if k <= 0:
        return None
    return ((1.0 - k) + k * smoothed(raw, 1.0)).astype(np.float32)
