"""The world canvas: layers of the static scene, periodic in x, with wrapped drawing helpers.

Layers (all ``H x W``): ``albedo`` (RGB reflectance), ``emission`` (RGB light
sources), ``temp`` (degrees C), ``depth`` (metres; inf for sky), ``height``
(metres above the ground of the surface seen) and ``sunlit`` (1 lit, 0 in
shadow). They are combined into the final colour once the scene is built.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np


class WorldCanvas:
    def __init__(self, height: int, width: int):
        self.h, self.w = height, width
        self.albedo = np.zeros((height, width, 3), np.float32)
        self.emission = np.zeros((height, width, 3), np.float32)
        self.temp = np.zeros((height, width), np.float32)
        self.depth = np.full((height, width), np.inf, np.float32)
        self.height = np.zeros((height, width), np.float32)
        self.sunlit = np.ones((height, width), np.float32)

    def segments(self, x0: int, x1: int) -> Iterator[tuple[int, int, int]]:
        """Split canvas columns ``[x0, x1)`` (any integers) into ``(c0, c1, offset)`` pieces inside the canvas.

        ``offset`` is the column of the piece within the requested span.
        """
        if x1 <= x0:
            return
        if x1 - x0 >= self.w:
            x1 = x0 + self.w
        start = x0 % self.w
        first = min(self.w - start, x1 - x0)
        yield start, start + first, 0
        if first < x1 - x0:
            yield 0, x1 - x0 - first, first

    def rows(self, y0: float, y1: float) -> tuple[int, int]:
        return max(0, int(round(y0))), min(self.h, int(round(y1)))

    def fill(self, x0: float, y0: float, x1: float, y1: float, *, albedo=None, temp=None, emission=None,
             depth: float | None = None, base_row: float | None = None, ppm: float | None = None,
             sunlit: float | None = None) -> None:
        """Paint a rectangle (wrapped in x). ``base_row``/``ppm`` set the height layer of an upright face."""
        r0, r1 = self.rows(y0, y1)
        if r1 <= r0:
            return
        for c0, c1, _ in self.segments(int(round(x0)), int(round(x1))):
            self._paint(r0, r1, c0, c1, albedo, temp, emission, depth, base_row, ppm, sunlit)

    def _paint(self, r0, r1, c0, c1, albedo, temp, emission, depth, base_row, ppm, sunlit) -> None:
        if albedo is not None:
            self.albedo[r0:r1, c0:c1] = albedo
        if temp is not None:
            self.temp[r0:r1, c0:c1] = temp
        if emission is not None:
            self.emission[r0:r1, c0:c1] = emission
        if depth is not None:
            self.depth[r0:r1, c0:c1] = depth
            if base_row is not None and ppm:
                rows = np.arange(r0, r1, dtype=np.float32) + 0.5
                self.height[r0:r1, c0:c1] = ((base_row - rows) / ppm)[:, None]
        if sunlit is not None:
            self.sunlit[r0:r1, c0:c1] = sunlit

    def blit(self, x0: int, y0: int, alpha: np.ndarray, albedo: np.ndarray, temp: np.ndarray,
             emission: np.ndarray | None = None, depth: float | None = None, base_row: float | None = None,
             ppm: float | None = None) -> None:
        """Alpha-composite a sprite (straight colours) with its top-left at canvas ``(x0, y0)``, wrapped in x."""
        h, w = alpha.shape
        ys0, ys1 = max(0, -y0), min(h, self.h - y0)
        if ys1 <= ys0:
            return
        r0, r1 = y0 + ys0, y0 + ys1
        for c0, c1, off in self.segments(x0, x0 + w):
            a = alpha[ys0:ys1, off:off + (c1 - c0)]
            a3 = a[..., None]
            dst = self.albedo[r0:r1, c0:c1]
            dst *= 1 - a3
            dst += a3 * albedo[ys0:ys1, off:off + (c1 - c0)]
            t = self.temp[r0:r1, c0:c1]
            t *= 1 - a
            t += a * temp[ys0:ys1, off:off + (c1 - c0)]
            e = self.emission[r0:r1, c0:c1]
            e *= 1 - a3
            if emission is not None:
                e += a3 * emission[ys0:ys1, off:off + (c1 - c0)]
            if depth is not None:
                solid = a > 0.5
                self.depth[r0:r1, c0:c1][solid] = depth
                if base_row is not None and ppm:
                    rows = np.arange(r0, r1, dtype=np.float32)[:, None] + 0.5
                    hgt = np.broadcast_to((base_row - rows) / ppm, a.shape)
                    self.height[r0:r1, c0:c1][solid] = hgt[solid]


def periodic_step(period_px: float, canvas_width: int) -> float:
    """The spacing closest to ``period_px`` that divides the canvas width (so patterns wrap seamlessly)."""
    count = max(1, int(round(canvas_width / max(period_px, 1e-6))))
    return canvas_width / count

