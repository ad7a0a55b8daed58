"""Brightness drift, motion blur and noise for rendered frames.

None of these move image content, so the ground truth never depends on them:
gains and offsets act per pixel, the blur kernel is a streak symmetric about
its centre, and noise has zero mean.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from synth.camera_path import smooth_curve
from synth.realpair_config import RealPairConfig


@dataclass(frozen=True)
class Photometry:
    """The photometric state of one frame in both modalities."""

    visible_gain: tuple[float, float, float]  # per RGB channel, brightness times white balance
    visible_offset: float
    infrared_gain: float
    infrared_offset: float
    blur_length: float  # 0: no blur
    blur_angle_deg: float

    def as_dict(self) -> dict[str, object]:
        return {
            "visible_gain": [round(v, 4) for v in self.visible_gain],
            "visible_offset": round(self.visible_offset, 3),
            "infrared_gain": round(self.infrared_gain, 4),
            "infrared_offset": round(self.infrared_offset, 3),
            "blur": None if self.blur_length <= 0 else
            {"length_px": round(self.blur_length, 2), "angle_deg": round(self.blur_angle_deg, 1)},
        }


def plan_photometry(cfg: RealPairConfig, motion: np.ndarray, rng_visible: np.random.Generator,
                    rng_infrared: np.random.Generator, rng_blur: np.random.Generator) -> list[Photometry]:
    """Per-frame gains, offsets and blur events.

    ``motion`` is the ``(n, 2)`` frame-to-frame movement of the image content;
    a blur streak follows it (a random direction when the camera is still).
    Each modality draws from its own generator, and every curve is drawn
    whatever its amplitude, so changing one setting changes nothing else.
    """
    n = cfg.frames
    v_gain = smooth_curve(rng_visible, n, waves=2, cycles=(0.2, 1.0))
    v_off = smooth_curve(rng_visible, n, waves=2, cycles=(0.2, 1.0))
    v_col = np.stack([smooth_curve(rng_visible, n, waves=2, cycles=(0.1, 0.8)) for _ in range(3)], axis=1)
    i_gain = smooth_curve(rng_infrared, n, waves=2, cycles=(0.2, 1.0))
    i_off = smooth_curve(rng_infrared, n, waves=2, cycles=(0.2, 1.0))
    lengths, angles = blur_events(cfg, motion, rng_blur)
    out = []
    for i in range(n):
        g = 1.0 + cfg.gain_drift * v_gain[i]
        col = 1.0 + cfg.colour_drift * v_col[i]
        out.append(Photometry(
            visible_gain=tuple(float(g * c) for c in col),
            visible_offset=float(cfg.offset_drift * v_off[i]),
            infrared_gain=float(1.0 + cfg.gain_drift * i_gain[i]),
            infrared_offset=float(cfg.offset_drift * i_off[i]),
            blur_length=float(lengths[i]),
            blur_angle_deg=float(angles[i]),
        ))
    return out


def blur_events(cfg: RealPairConfig, motion: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Streak length (0 = sharp) and direction per frame; events last 1 to 3 frames."""
    n = cfg.frames
    starts = rng.random(n)
    durations = rng.integers(1, 4, n)
    sizes = rng.uniform(0.35, 1.0, n)
    random_dirs = rng.uniform(0.0, 180.0, n)
    lengths, angles = np.zeros(n), np.zeros(n)
    i = 0
    while i < n:
        if starts[i] < cfg.blur_prob and cfg.blur_max_px >= 2.0:
            dx, dy = motion[i]
            direction = math.degrees(math.atan2(dy, dx)) if math.hypot(dx, dy) > 0.2 else random_dirs[i]
            stop = min(n, i + int(durations[i]))
            lengths[i:stop] = max(2.0, cfg.blur_max_px * sizes[i])
            angles[i:stop] = direction
            i = stop
        else:
            i += 1
    return lengths, angles


def streak_kernel(length: float, angle_deg: float) -> np.ndarray:
    """A normalised line kernel of ``length`` pixels, centred and symmetric (no shift)."""
    size = int(math.ceil(length)) | 1
    size = max(size, 3)
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    a = math.radians(angle_deg)
    for s in np.linspace(-length / 2, length / 2, max(2, int(4 * length))):
        px, py = c + s * math.cos(a), c + s * math.sin(a)
        x0, y0 = int(math.floor(px)), int(math.floor(py))
        fx, fy = px - x0, py - y0
        for xx, yy, wgt in ((x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                            (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)):
            if 0 <= xx < size and 0 <= yy < size:
                k[yy, xx] += wgt
    return k / k.sum()


def apply_photometry(visible: np.ndarray, infrared: np.ndarray, p: Photometry, cfg: RealPairConfig,
                     rng_noise: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Blur, brighten and add noise to one rendered frame pair; returns uint8 images."""
    vis = visible.astype(np.float32)
    ir = infrared.astype(np.float32)
    if p.blur_length > 0:
        kernel = streak_kernel(p.blur_length, p.blur_angle_deg)
        vis = cv2.filter2D(vis, -1, kernel, borderType=cv2.BORDER_REFLECT_101)
        ir = cv2.filter2D(ir, -1, kernel, borderType=cv2.BORDER_REFLECT_101)
    vis = vis * np.asarray(p.visible_gain, np.float32) + p.visible_offset
    ir = ir * p.infrared_gain + p.infrared_offset
    noise_v = rng_noise.standard_normal(vis.shape, dtype=np.float32)
    noise_i = rng_noise.standard_normal(ir.shape, dtype=np.float32)
    vis += noise_v * np.float32(cfg.noise_visible)
    ir += noise_i * np.float32(cfg.noise_infrared)
    return (np.clip(np.rint(vis), 0, 255).astype(np.uint8), np.clip(np.rint(ir), 0, 255).astype(np.uint8))
