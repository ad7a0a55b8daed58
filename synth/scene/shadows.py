"""Shadows of moving actors on the ground: the silhouette projected away from the sun, plus a contact shadow.

The projection maps a part point ``(x, y)`` (metres, y up) to the ground
point ``y * length`` metres to the side and a little towards the camera, so
a walking person's shadow walks with them. All shadows of a frame go into
one half-resolution map, blurred by the lighting's penumbra, which then
darkens the frame towards the ambient-only colour.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from synth.scene.lighting import Lighting

CONTACT = 0.55  # darkening right under an actor


def shadow_affine(camera: np.ndarray, x: float, row: float, ppm: float, rows_per_metre: float, facing: int,
                  light: Lighting) -> tuple[np.ndarray, np.ndarray]:
    """Affine (A, b) from local metres to image pixels of the projected shadow."""
    length = light.shadow_length
    d = np.array([[facing * ppm, light.shadow_side * length * ppm],
                  [0.0, light.shadow_depth * length * rows_per_metre]])
    a = camera[:, :2] @ d
    b = camera[:, :2] @ np.array([x, row]) + camera[:, 2]
    return a, b


class ShadowMap:
    """Collects the shadows of one frame, then darkens the frame once."""

    def __init__(self, width: int, height: int, light: Lighting, softness_px: float, q: int = 2):
        self.w, self.h, self.q = width, height, q
        self.light = light
        self.softness = softness_px / q
        shape = (-(-height // q), -(-width // q))
        self.proj = np.zeros(shape, np.float32)  # projected silhouettes
        self.contact = np.zeros(shape, np.float32)  # contact ellipses
        self.box = [width, height, 0, 0]  # x0, y0, x1, y1 of everything drawn

    def _span(self, pts: np.ndarray, pad: float) -> None:
        b = self.box
        b[0] = min(b[0], int(pts[:, 0].min() - pad))
        b[1] = min(b[1], int(pts[:, 1].min() - pad))
        b[2] = max(b[2], int(math.ceil(pts[:, 0].max() + pad)))
        b[3] = max(b[3], int(math.ceil(pts[:, 1].max() + pad)))

    def add(self, polys: list[np.ndarray], centre: np.ndarray, rx: float, ry: float) -> None:
        """Projected silhouette ``polys`` and a contact ellipse ``(centre, rx, ry)``, in image pixels."""
        q = self.q
        if polys and self.light.shadow_length > 0:
            scaled = [np.round((p / q - 0.5) * 4).astype(np.int32) for p in polys]
            for poly in scaled:  # separately: a multi-polygon fill would cut holes where they overlap
                cv2.fillPoly(self.proj, [poly], 1.0, cv2.LINE_AA, shift=2)
            self._span(np.concatenate(polys), 3 * self.softness * q + 2)
        c = centre / q - 0.5
        cv2.ellipse(self.contact, (int(round(c[0] * 4)), int(round(c[1] * 4))),
                    (max(1, int(rx / q * 4)), max(1, int(ry / q * 4))), 0, 0, 360, 1.0, -1, cv2.LINE_AA, 2)
        self._span(centre[None, :] + np.array([[-rx, -ry], [rx, ry]]), 2 * ry + 4)

    def apply(self, frame: np.ndarray) -> None:
        """Darken the colour channels of the ``H x W x 4`` frame."""
        q = self.q
        c0, r0 = max(self.box[0], 0) // q, max(self.box[1], 0) // q
        c1, r1 = -(-min(self.box[2], self.w) // q), -(-min(self.box[3], self.h) // q)
        if c1 <= c0 or r1 <= r0:
            return
        proj = self.proj[r0:r1, c0:c1]
        if self.softness > 0.3:
            proj = cv2.GaussianBlur(proj, (0, 0), self.softness)
        contact = cv2.GaussianBlur(self.contact[r0:r1, c0:c1], (0, 0), 1.0)
        light = self.light
        tint = light.shadow_tint if light.shadow_length > 0 else np.full(3, 0.45, np.float32)
        loss = np.append(1.0 - tint, 0.0).astype(np.float32)  # the temperature channel is untouched
        touch = np.array([CONTACT, CONTACT, CONTACT, 0.0], np.float32)
        factor = (1.0 - proj[..., None] * loss) * (1.0 - contact[..., None] * touch)
        factor = cv2.resize(factor, ((c1 - c0) * q, (r1 - r0) * q), interpolation=cv2.INTER_LINEAR)
        y1, x1 = min(r1 * q, self.h), min(c1 * q, self.w)
        roi = frame[r0 * q:y1, c0 * q:x1]
        cv2.multiply(roi, factor[:y1 - r0 * q, :x1 - c0 * q], dst=roi)
