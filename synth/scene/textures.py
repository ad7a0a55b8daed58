"""Procedural textures: value noise, fractal Brownian motion (fBm) and noise banks.

Value noise is a random lattice upsampled with bicubic interpolation. With
``periodic=True`` a field wraps seamlessly in x (its last column continues
into its first), which the world canvas needs because the camera may travel
around it.
"""
from __future__ import annotations

import math

import cv2
import numpy as np


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``edge0`` to 1 at ``edge1``."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def value_noise(rng: np.random.Generator, height: int, width: int, cell: float, stretch: float = 1.0,
                periodic: bool = False) -> np.ndarray:
    """Smooth noise in about [0, 1] with features ``cell`` px tall and ``cell * stretch`` px wide."""
    cy = max(float(cell), 1.0)
    cx = max(float(cell) * stretch, 1.0)
    pad = int(math.ceil(cx)) * 2 if periodic else 0
    pad = min(pad, width)
    total = width + pad
    gx = int(math.ceil(total / cx)) + 3
    gy = int(math.ceil(height / cy)) + 3
    lattice = rng.random((gy, gx), dtype=np.float32)
    big = cv2.resize(lattice, (int(math.ceil(gx * cx)), int(math.ceil(gy * cy))), interpolation=cv2.INTER_CUBIC)
    ox, oy = int(cx), int(cy)
    out = big[oy:oy + height, ox:ox + total]
    if periodic and pad:
        ramp = np.linspace(0.0, 1.0, pad, dtype=np.float32)
        head = out[:, :pad] * ramp + out[:, width:width + pad] * (1.0 - ramp)
        out = np.concatenate([head, out[:, pad:width]], axis=1)
    return np.ascontiguousarray(out, dtype=np.float32)


def fbm(rng: np.random.Generator, height: int, width: int, cell: float, octaves: int = 4, gain: float = 0.5,
        stretch: float = 1.0, periodic: bool = False) -> np.ndarray:
    """Fractal noise: ``octaves`` layers of value noise, each half the size; zero mean, unit std."""
    total = np.zeros((height, width), np.float32)
    amp = 1.0
    for octave in range(octaves):
        size = cell / (2 ** octave)
        if size < 1.0:
            break
        total += amp * value_noise(rng, height, width, size, stretch, periodic)
        amp *= gain
    total -= total.mean()
    std = float(total.std())
    return total / std if std > 1e-8 else total


def gaussian_bank(rng: np.random.Generator, count: int, height: int, width: int) -> np.ndarray:
    """``count`` independent standard-normal fields, to be sliced at random offsets per frame."""
    return rng.standard_normal((count, height, width), dtype=np.float32)


def bank_slice(bank: np.ndarray, rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random ``height x width`` window of a random field of ``bank`` (a view, no copy)."""
    k = int(rng.integers(bank.shape[0]))
    y = int(rng.integers(bank.shape[1] - height + 1))
    x = int(rng.integers(bank.shape[2] - width + 1))
    return bank[k, y:y + height, x:x + width]
