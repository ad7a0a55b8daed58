"""Score-map operations of the SiamFC loop: upsampling, windows, peaks, reliability."""
from __future__ import annotations

import cv2
import numpy as np


def upsample(response: np.ndarray, factor: int) -> np.ndarray:
    """Bicubic upsampling of an ``H×W`` map by an integer factor."""
    if factor == 1:
        return response.astype(np.float32, copy=False)
    h, w = response.shape
    return cv2.resize(response.astype(np.float32), (w * factor, h * factor), interpolation=cv2.INTER_CUBIC)


def cosine_window(shape: tuple[int, int]) -> np.ndarray:
    """Outer product of Hanning windows, normalised to sum to 1."""
    win = np.outer(np.hanning(shape[0]), np.hanning(shape[1])).astype(np.float32)
    return win / win.sum()


def apply_window(response: np.ndarray, window: np.ndarray, influence: float) -> np.ndarray:
    """SiamFC's penalty: normalise the map to sum 1 and blend in the cosine window."""
    r = response - response.min()
    total = r.sum()
    r = r / total if total > 0 else np.full_like(r, 1.0 / r.size)
    return (1.0 - influence) * r + influence * window


def peak(response: np.ndarray) -> tuple[int, int]:
    """(row, col) of the maximum."""
    idx = int(np.argmax(response))
    return divmod(idx, response.shape[1])


def upsampled_to_cell(index: float, factor: int) -> float:
    """Fractional cell coordinate of upsampled index ``index`` (bicubic resize alignment)."""
    return (index + 0.5) / factor - 0.5


def apce(response: np.ndarray) -> float:
    """Average peak-to-correlation energy: ``|max-min|^2 / mean((r-min)^2)``; high means one sharp peak."""
    lo, hi = float(response.min()), float(response.max())
    energy = float(np.mean((response - lo) ** 2))
    return (hi - lo) ** 2 / energy if energy > 1e-12 else 0.0


def psr(response: np.ndarray, exclude: int = 2) -> float:
    """Peak-to-sidelobe ratio with a ``(2*exclude+1)``-cell square around the peak left out."""
    r0, c0 = peak(response)
    mask = np.ones(response.shape, bool)
    mask[max(r0 - exclude, 0): r0 + exclude + 1, max(c0 - exclude, 0): c0 + exclude + 1] = False
    side = response[mask]
    if side.size < 2:
        return 0.0
    std = float(side.std())
    return (float(response[r0, c0]) - float(side.mean())) / std if std > 1e-12 else 0.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))
