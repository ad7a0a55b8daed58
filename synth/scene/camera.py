"""The camera: a per-frame similarity transform from the world canvas to the image.

``p_image = s R(angle) (p_canvas - c) + (W/2, H/2)`` in the continuous pixel
convention of :mod:`core.geometry`, where ``c`` is the canvas point at the
view centre. ``c`` follows a base path (fixed, or following a car) plus a
slow pan, the scale ``s`` zooms in and out, and a smooth shake jitters
``c`` and the roll angle. Ground truth goes through the same matrix, so it
stays exact.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synth.scene.config import SceneConfig


@dataclass(frozen=True)
class CameraPath:
    cx: np.ndarray  # canvas x of the view centre per frame (unwrapped)
    cy: np.ndarray
    scale: np.ndarray
    angle: np.ndarray  # radians
    width: int
    height: int

    def matrix(self, i: int) -> np.ndarray:
        """2x3 canvas -> image matrix of frame ``i`` (continuous coordinates)."""
        s, a = float(self.scale[i]), float(self.angle[i])
        rot = s * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        centre = np.array([self.cx[i], self.cy[i]])
        t = np.array([self.width / 2, self.height / 2]) - rot @ centre
        return np.concatenate([rot, t[:, None]], axis=1)

    def half_extent(self, i: int) -> tuple[float, float]:
        """Half width and half height (canvas px) of the region the view covers in frame ``i``."""
        s, a = float(self.scale[i]), abs(float(self.angle[i]))
        hw = (self.width / 2 * math.cos(a) + self.height / 2 * math.sin(a)) / s
        hh = (self.height / 2 * math.cos(a) + self.width / 2 * math.sin(a)) / s
        return hw, hh


def index_affine(m: np.ndarray) -> np.ndarray:
    """The same map for OpenCV's array indices (pixel i has its centre at i, not i + 0.5)."""
    out = m.astype(np.float64).copy()
    out[:, 2] = m[:, :2] @ np.array([0.5, 0.5]) + m[:, 2] - 0.5
    return out


def _shake(rng: np.random.Generator, t: np.ndarray, amplitude: float) -> np.ndarray:
    """Smooth jitter: three sines of 1-6 Hz with random phases, peak ``amplitude``."""
    freqs = rng.uniform(1.0, 6.0, 3)
    phases = rng.uniform(0, 2 * math.pi, 3)
    weights = rng.uniform(0.5, 1.0, 3)
    y = (weights[:, None] * np.sin(2 * math.pi * freqs[:, None] * t[None, :] + phases[:, None])).sum(axis=0)
    return amplitude * y / weights.sum()


def build_camera(cfg: SceneConfig, base_x: np.ndarray, cy0: float, rng: np.random.Generator) -> CameraPath:
    """Camera of every frame; ``base_x`` (per frame) is where the view centre would be without pan and shake."""
    t = np.arange(cfg.frames, dtype=np.float64) / cfg.fps
    period = max(cfg.duration, 6.0)
    pan_x = cfg.camera_pan * np.sin(2 * math.pi * t / period)
    pan_y = 0.2 * cfg.camera_pan * np.sin(2 * math.pi * t / (1.3 * period) + 0.7)
    scale = 1.0 + cfg.camera_zoom * (0.5 - 0.5 * np.cos(2 * math.pi * t / (0.8 * period)))
    shake_x = _shake(rng, t, cfg.camera_shake)
    shake_y = _shake(rng, t, cfg.camera_shake)
    roll = np.radians(_shake(rng, t, cfg.camera_roll))
    return CameraPath(cx=base_x + pan_x + shake_x, cy=cy0 + pan_y + shake_y, scale=scale, angle=roll,
                      width=cfg.width, height=cfg.height)
