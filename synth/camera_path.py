"""A virtual camera moving over a still image, and the exact ground truth it implies.

Each frame maps still coordinates to frame coordinates by a similarity
``p_out = A p_still + t`` with ``A = s R(angle)`` (continuous pixel
convention of :mod:`core.geometry`; positive angles turn the picture
clockwise on screen). The camera is placed through the target's offset from
the camera centre, which drifts within a range (:func:`drift_range`) that
keeps the target in the frame and the window on the still, so the target
crosses the frame while border fill stays rare.

Ground truth: the axis-aligned box whose centre is the mapped target centre
and whose size is the original size times ``s``. The camera rolls a few
degrees at most, so the rotated box's own bounding box would only be a few
percent larger, yet it would grow with the roll and with the target's
elongation; keeping the size at ``w*s, h*s`` keeps it a function of the zoom
alone, as a tracker that estimates only scale sees it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from synth.realpair_config import RealPairConfig


@dataclass(frozen=True)
class FrameGeometry:
    """The camera of one frame and the target box it implies."""

    index: int
    matrix: np.ndarray  # 2x3, still -> frame, continuous pixel coordinates
    zoom: float  # relative zoom of this frame (1 +- cfg.zoom)
    scale: float  # total frame pixels per still pixel (base scale * zoom)
    angle_deg: float
    box: np.ndarray  # xywh ground truth in frame pixels (never clipped)
    visible_fraction: float  # share of the box's area inside the frame
    present: bool

    def gt(self) -> np.ndarray:
        """The ground-truth box, or a row of NaN when the target counts as absent."""
        return self.box.copy() if self.present else np.full(4, np.nan)

    def _array_matrix(self) -> np.ndarray:
        # Continuous p maps to array coordinate p - 0.5 on both sides.
        arr = self.matrix.copy()
        arr[:, 2] = self.matrix[:, :2] @ np.array([0.5, 0.5]) + self.matrix[:, 2] - 0.5
        return arr

    def border_fraction(self, still_size: tuple[int, int], out_size: tuple[int, int]) -> float:
        """Share of the frame's pixels that fall outside the still (filled by the border rule)."""
        ones = np.ones((still_size[1], still_size[0]), np.uint8)
        cover = cv2.warpAffine(ones, self._array_matrix(), out_size, flags=cv2.INTER_NEAREST,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return 1.0 - float(cover.mean())

    def warp(self, image: np.ndarray, out_size: tuple[int, int], border: str) -> np.ndarray:
        """Render ``image`` (the still) through this camera."""
        arr = self._array_matrix()
        if border == "mean":
            fill = image.reshape(-1, image.shape[2]).mean(axis=0) if image.ndim == 3 else [float(image.mean())]
            value = tuple(float(v) for v in fill) + (0.0,) * (4 - len(fill))
            return cv2.warpAffine(image, arr, out_size, flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=value)
        return cv2.warpAffine(image, arr, out_size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def smooth_curve(rng: np.random.Generator, n: int, waves: int = 2, cycles: tuple[float, float] = (0.3, 1.5),
                 ramp: float = 0.0) -> np.ndarray:
    """A smooth random curve of ``n`` samples whose largest magnitude is exactly 1.

    A sum of ``waves`` sines with ``cycles`` periods per sequence and random
    phases, plus an optional linear ramp of random slope up to ``ramp``
    (a drift from one side to the other). Always draws the same numbers from
    ``rng`` for the same ``n``, whatever the amplitudes used later.
    """
    t = np.linspace(0.0, 1.0, n)
    amps = rng.uniform(0.4, 1.0, waves)
    freqs = rng.uniform(cycles[0], cycles[1], waves)
    phases = rng.uniform(0.0, 2 * np.pi, waves)
    slope = rng.uniform(-1.0, 1.0) * ramp
    y = (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t[None, :] + phases[:, None])).sum(axis=0)
    y = y + slope * (2 * t - 1) * amps.sum()
    peak = float(np.abs(y).max()) if n else 0.0
    return y / peak if peak > 1e-12 else np.zeros(n)


def jitter(rng: np.random.Generator, n: int, std: float, rho: float = 0.3) -> np.ndarray:
    """``(n, 2)`` high-frequency shake: an AR(1) process with stationary std ``std``."""
    eps = rng.standard_normal((n, 2)) * math.sqrt(1 - rho * rho)
    out = np.zeros((n, 2))
    prev = rng.standard_normal(2)
    for i in range(n):
        prev = rho * prev + eps[i]
        out[i] = prev
    return out * std


def base_scale(cfg: RealPairConfig, still_size: tuple[int, int], box: tuple[float, float, float, float],
               out_size: tuple[int, int]) -> float:
    """Frame pixels per still pixel at zoom 1 (see :class:`RealPairConfig`, ``scale``)."""
    if cfg.scale > 0:
        return float(cfg.scale)
    (sw, sh), (ow, oh) = still_size, out_size
    s = max(1.0, ow / sw, oh / sh)
    _, _, w, h = box
    fit = min(0.5 * ow / (w * (1 + cfg.zoom)), 0.5 * oh / (h * (1 + cfg.zoom)))
    return float(min(s, fit))


def output_size(cfg: RealPairConfig, still_size: tuple[int, int]) -> tuple[int, int]:
    """``cfg.out_size``, with ``(0, 0)`` meaning the still's own ``(width, height)``."""
    return tuple(still_size) if cfg.out_size == (0, 0) else cfg.out_size  # type: ignore[return-value]


def visible_fraction(box: np.ndarray, size: tuple[int, int]) -> float:
    """Share of the xywh ``box``'s area that lies inside a ``(width, height)`` frame."""
    x, y, w, h = box
    iw = max(0.0, min(x + w, size[0]) - max(x, 0.0))
    ih = max(0.0, min(y + h, size[1]) - max(y, 0.0))
    return float(iw * ih / (w * h)) if w * h > 0 else 0.0


def drift_range(still_size: tuple[int, int], out_size: tuple[int, int], box: tuple[float, float, float, float],
                scale: float, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre and half-width, per axis, of the target's offset from the camera centre (still pixels).

    The range holds the offsets that keep the whole target inside the frame
    and the whole (rolled) camera window on the still. Where no offset does
    both (a target at the still's edge, a window larger than the still), it
    is the best single offset, widened to a quarter of the target's free room
    so the target still moves; such frames show some border fill.
    """
    x, y, w, h = box
    centre = np.array([x + w / 2, y + h / 2])
    still = np.asarray(still_size, dtype=np.float64)
    out = np.asarray(out_size, dtype=np.float64)
    a = math.radians(abs(angle_deg))
    cos, sin = math.cos(a), math.sin(a)
    window = np.array([out[0] * cos + out[1] * sin, out[0] * sin + out[1] * cos]) / scale  # rolled window's extent
    room = np.maximum(out / scale - np.array([w, h]), 0.0) / 2  # target inside the frame: |offset| <= room
    win_lo, win_hi = centre - (still - window / 2), centre - window / 2  # window on the still
    lo, hi = np.maximum(win_lo, -room), np.minimum(win_hi, room)
    point = np.clip((win_lo + win_hi) / 2, -room, room)
    empty = lo > hi
    mid = np.where(empty, point, (lo + hi) / 2)
    half = np.where(empty, 0.0, (hi - lo) / 2)
    half = np.maximum(half, 0.25 * room)
    mid = np.clip(mid, -room + np.minimum(half, room), room - np.minimum(half, room))
    return mid, half


def _similarity(scale: float, angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return scale * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def plan_camera(cfg: RealPairConfig, still_size: tuple[int, int], box: tuple[float, float, float, float],
                rng: np.random.Generator) -> list[FrameGeometry]:
    """Camera and ground truth of every frame, for a target ``box`` on a still of ``still_size``.

    The target's offset from the camera centre sweeps ``cfg.pan`` of its
    :func:`drift_range` along a smooth random path (a drift across plus slow
    waves); zoom and roll follow their own smooth paths, shake is added in
    frame pixels. Everything is drawn from ``rng`` in a fixed order, so the
    same seed gives the same path. With ``pan > 1`` the drift overshoots; it
    is shifted so the first frame still shows the whole target (a tracker
    must be able to start there).
    """
    n = cfg.frames
    out = output_size(cfg, still_size)
    s0 = base_scale(cfg, still_size, box, out)
    x, y, w, h = (float(v) for v in box)
    centre = np.array([x + w / 2, y + h / 2])
    path = np.stack([smooth_curve(rng, n, waves=2, cycles=(0.2, 0.9), ramp=1.5) for _ in range(2)], axis=1)
    zoom = 1.0 + cfg.zoom * smooth_curve(rng, n, waves=2, cycles=(0.3, 1.2))
    angle = cfg.rotation_deg * smooth_curve(rng, n, waves=2, cycles=(0.3, 1.2))
    shake = jitter(rng, n, cfg.shake_px)
    scales = s0 * zoom
    offsets = np.empty((n, 2))
    for i in range(n):
        mid, half = drift_range(still_size, out, (x, y, w, h), float(scales[i]), float(angle[i]))
        offsets[i] = mid + cfg.pan * half * path[i]
    frame_centre = np.array(out, dtype=np.float64) / 2
    lins = [_similarity(float(scales[i]), float(angle[i])) for i in range(n)]
    # Shift the whole drift so the target starts entirely inside the first frame.
    first = lins[0] @ offsets[0] + shake[0]
    room0 = np.maximum(np.array(out) - np.array([w, h]) * scales[0], 0.0) / 2
    offsets += np.linalg.solve(lins[0], np.clip(first, -room0, room0) - first)
    plans = []
    for i in range(n):
        s, lin = float(scales[i]), lins[i]
        target = frame_centre + lin @ offsets[i] + shake[i]
        matrix = np.concatenate([lin, (target - lin @ centre)[:, None]], axis=1)
        gt = np.array([target[0] - w * s / 2, target[1] - h * s / 2, w * s, h * s])
        frac = visible_fraction(gt, out)
        plans.append(FrameGeometry(i, matrix, float(zoom[i]), s, float(angle[i]), gt, frac,
                                   frac >= cfg.absent_below))
    return plans
