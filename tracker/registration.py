"""Estimating the IR→visible homography from matcher correspondences (``heterotrack register``).

A grid of patches with structure is cut from the infrared image; the matcher
finds each one inside a window around the same place in the visible image
(scaled if the two images differ in size); RANSAC fits a homography to the
patch-centre correspondences. Any :class:`models.classic.base.TemplateMatcher`
works: the CFOG descriptor by default, or the learned matcher.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import InputError
from synth.boxes import gradient_magnitude, structure_score


@dataclass(frozen=True)
class RegistrationResult:
    ir_to_visible: np.ndarray
    matches: int
    inliers: int
    rms_error: float  # px, inlier reprojection error in the visible image


def register_pair(visible: np.ndarray, infrared: np.ndarray, matcher, grid: tuple[int, int] = (8, 6),
                  patch: int = 48, window: float = 2.5, min_structure: float = 1.2,
                  ransac_px: float = 3.0) -> RegistrationResult:
    """Fit ``ir_to_visible`` from up to ``grid[0]*grid[1]`` patch matches; raises InputError if too few agree."""
    h_ir, w_ir = infrared.shape[:2]
    h_v, w_v = visible.shape[:2]
    sx, sy = w_v / w_ir, h_v / h_ir
    if min(h_ir, w_ir) < 2 * patch:
        raise InputError(f"infrared image {w_ir}x{h_ir} is too small for {patch}px patches")
    vis_scaled = cv2.resize(visible, (w_ir, h_ir), interpolation=cv2.INTER_AREA) if (sx, sy) != (1, 1) else visible
    grad = gradient_magnitude(infrared)
    ref = float(np.median(grad)) + 1.0
    src, dst = [], []
    xs = np.linspace(patch, w_ir - 2 * patch, grid[0])
    ys = np.linspace(patch, h_ir - 2 * patch, grid[1])
    for y in ys:
        for x in xs:
            box = (float(x), float(y), float(patch), float(patch))
            if structure_score(grad, box, ref) < min_structure:
                continue
            side = patch * window
            cx, cy = x + patch / 2, y + patch / 2
            win = (max(cx - side / 2, 0.0), max(cy - side / 2, 0.0), side, side)
            win = (win[0], win[1], min(side, w_ir - win[0]), min(side, h_ir - win[1]))
            result = matcher.match(infrared, box, vis_scaled, win)
            if not result.found:
                continue
            bx, by, bw, bh = result.box
            src.append((cx, cy))
            dst.append(((bx + bw / 2) * sx, (by + bh / 2) * sy))
    if len(src) < 4:
        raise InputError(f"only {len(src)} patches with structure could be matched; need at least 4 "
                         f"(try a scene with more edges, or --grid with more cells)")
    src_a, dst_a = np.float64(src), np.float64(dst)
    h, mask = cv2.findHomography(src_a, dst_a, cv2.RANSAC, ransac_px)
    inliers = int(mask.sum()) if mask is not None else 0
    if h is None or inliers < 4:
        raise InputError(f"the {len(src)} patch matches do not agree on one homography "
                         f"({inliers} inliers); the images may not show the same scene")
    proj = cv2.perspectiveTransform(src_a[None], h)[0]
    err = np.linalg.norm(proj - dst_a, axis=1)[mask.ravel().astype(bool)]
    return RegistrationResult(h / h[2, 2], len(src), inliers, float(np.sqrt(np.mean(err ** 2))))
