"""The long-wave thermal camera: optics blur, automatic gain, fixed-pattern noise, vignetting, noise, polarity.

Temperatures (degrees C) become grey levels through an automatic gain
control that tracks the scene's 1st and 99.5th percentiles with some lag,
like a real core. Sensor artefacts are added in the raw white-hot domain;
black-hot is the exact inverse (255 - white-hot) of the same raw frame.
Also here: the weight of the thermal crossover over time.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from synth.scene.config import SceneConfig
from synth.scene.textures import bank_slice, gaussian_bank

NOISE_DN = 1.6  # temporal noise (grey levels, sigma) at thermal_noise = 1
COLUMN_DN = 1.8  # column stripes at fixed_pattern = 1
ROW_DN = 0.8
VIGNETTE_DN = 16.0  # corner darkening at vignetting = 1
MIN_SPAN = 8.0  # degrees C: the gain never stretches a flatter scene further
BINS = 1024  # temperature bins of the tone curve
FINE_BINS, FINE_RANGE = 2400, (-60.0, 180.0)  # histogram for the gain's percentiles (0.1 C bins)
EQUALISE = 0.5  # share of plateau histogram equalisation in the tone curve (the rest is linear)
DETAIL = 0.5  # digital detail enhancement: gain on the local high-pass


def crossover_weight(cfg: SceneConfig, t: float) -> float:
    """0..1: how far the crossing-over target's temperature is pulled to its background at time ``t`` s."""
    a, b = cfg.crossover
    if b <= a:
        return 0.0
    ta, tb = a * cfg.duration, b * cfg.duration
    ramp = 0.2 * (tb - ta)
    if t <= ta or t >= tb:
        return 0.0
    rise = min(1.0, (t - ta) / ramp) if ramp > 0 else 1.0
    fall = min(1.0, (tb - t) / ramp) if ramp > 0 else 1.0
    x = min(rise, fall)
    return float(cfg.crossover_strength * x * x * (3 - 2 * x))


def radial(width: int, height: int) -> np.ndarray:
    """Squared distance from the image centre, 1 at the corners."""
    y = (np.arange(height, dtype=np.float32) + 0.5 - height / 2) / (height / 2)
    x = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / (width / 2)
    return ((x[None, :] ** 2 + y[:, None] ** 2) / 2).astype(np.float32)


class ThermalSensor:
    def __init__(self, cfg: SceneConfig, rng: np.random.Generator):
        self.cfg = cfg
        w, h = cfg.width, cfg.height
        col = rng.normal(0.0, COLUMN_DN * cfg.fixed_pattern, w).astype(np.float32)
        row = rng.normal(0.0, ROW_DN * cfg.fixed_pattern, h).astype(np.float32)
        self.fpn = row[:, None] + col[None, :]
        self.vignette = -VIGNETTE_DN * cfg.vignetting * radial(w, h)
        self.fixed = (self.fpn + self.vignette).astype(np.float32)
        self.sigma = NOISE_DN * cfg.thermal_noise
        self.bank = gaussian_bank(rng, 3, h + 16, w + 16) * self.sigma if self.sigma > 0 else None
        self.blur = 0.6 * h / 512
        self.detail_size = max(3, int(round(13 * h / 512)) | 1)
        self.lo: float | None = None
        self.hi: float | None = None
        self.curve: np.ndarray | None = None

    def tone_curve(self, temp: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Update the automatic gain on this frame: (low, high) temperatures and a BINS-long curve to [0, 1].

        The range tracks the 1st/99.5th percentiles; the curve mixes a linear
        ramp with plateau histogram equalisation (as thermal cores do), and
        both follow the scene with some lag.
        """
        sample = temp[::4, ::4]
        counts, edges = np.histogram(sample, bins=FINE_BINS, range=FINE_RANGE)
        cum = np.cumsum(counts) / max(1, sample.size)
        lo = float(edges[min(np.searchsorted(cum, 0.01), FINE_BINS - 1)])
        hi = float(edges[min(np.searchsorted(cum, 0.995) + 1, FINE_BINS)])
        if self.lo is None:
            self.lo, self.hi = lo, hi
        else:
            self.lo += 0.12 * (lo - self.lo)
            self.hi += 0.12 * (hi - self.hi)
        mid, span = (self.lo + self.hi) / 2, max(self.hi - self.lo, MIN_SPAN)
        lo, hi = mid - span / 2, mid + span / 2
        hist, _ = np.histogram(sample, bins=BINS, range=(lo, hi))
        hist = np.minimum(hist.astype(np.float64), max(1.0, 2.5 * hist.mean()))
        cdf = np.cumsum(hist)
        cdf = cdf / cdf[-1] if cdf[-1] > 0 else np.linspace(0, 1, BINS)
        curve = (1 - EQUALISE) * np.linspace(0.0, 1.0, BINS) + EQUALISE * cdf
        self.curve = curve if self.curve is None else self.curve + 0.2 * (curve - self.curve)
        return lo, hi, self.curve

    def render(self, temp: np.ndarray, rng: np.random.Generator, t: float) -> np.ndarray:
        """Grey-level frame (uint8) of the scene temperatures ``temp``."""
        h, w = temp.shape
        if self.blur > 0.3:
            k = 2 * int(math.ceil(2.5 * self.blur)) + 1
            temp = cv2.GaussianBlur(temp, (k, k), self.blur)
        lo, hi, curve = self.tone_curve(temp)
        idx = ((temp - lo) * ((BINS - 1) / (hi - lo))).astype(np.int32)
        np.clip(idx, 0, BINS - 1, out=idx)
        raw = np.take((curve * 225.0 + 16.0).astype(np.float32), idx)
        if DETAIL > 0:
            base = cv2.blur(raw, (self.detail_size, self.detail_size))
            raw *= 1.0 + DETAIL
            raw -= DETAIL * base
        cv2.scaleAdd(self.fpn, 0.25 * math.sin(2 * math.pi * t / 9.0), raw, dst=raw)  # drifting stripes
        raw += self.fixed
        if self.bank is not None:
            raw += bank_slice(self.bank, rng, h, w)
        np.maximum(raw, 0.0, out=raw)
        out = cv2.convertScaleAbs(raw)  # rounds and saturates at 255
        if self.cfg.polarity == "black-hot":
            out = 255 - out
        return out
