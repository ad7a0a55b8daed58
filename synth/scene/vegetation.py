"""Trees and hedges as sprites: alpha, albedo and temperature at a given scale (px per metre).

Leaves are a blobby crown cut by fBm, so the silhouette and the texture are
irregular; foliage is a little cooler than the air in the thermal image.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from synth.scene.lighting import Lighting
from synth.scene.textures import fbm, smoothstep

LEAF_COLOURS = ((0.20, 0.34, 0.11), (0.17, 0.30, 0.12), (0.26, 0.38, 0.13), (0.42, 0.40, 0.14), (0.15, 0.27, 0.14))


@dataclass(frozen=True)
class Sprite2D:
    """A static sprite in canvas pixels; ``(ax, ay)`` is its ground anchor inside the array."""

    alpha: np.ndarray
    albedo: np.ndarray
    temp: np.ndarray
    ax: float
    ay: float
    emission: np.ndarray | None = None
    glow: np.ndarray | None = None  # additive light around the sprite (visible only)


def tree_sprite(rng: np.random.Generator, ppm: float, light: Lighting, height: float = 6.5, crown: float = 4.0,
                clear: float = 2.2, trunk: float = 0.3) -> Sprite2D:
    """A deciduous tree ``height`` m tall with a crown ``crown`` m wide starting ``clear`` m up."""
    w = max(8, int(np.ceil(crown * 1.15 * ppm)))
    h = max(8, int(np.ceil(height * ppm)) + 2)
    ax = w / 2.0
    ay = float(h - 1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    up = (ay - yy) / ppm  # metres above ground
    lat = (xx - ax) / ppm
    # crown: union of soft blobs inside an ellipse
    cy = clear + (height - clear) * 0.55
    ry, rx = (height - clear) * 0.5, crown * 0.5
    field = np.zeros((h, w), np.float32)
    for _ in range(9):
        bx = rng.uniform(-0.6, 0.6) * rx
        by = cy + rng.uniform(-0.55, 0.6) * ry
        br = rng.uniform(0.35, 0.6) * min(rx, ry) * 1.4
        field = np.maximum(field, np.exp(-((lat - bx) ** 2 + (up - by) ** 2) / (2 * br * br)))
    cell = max(2.0, 0.5 * ppm)
    rough = fbm(rng, h, w, cell, octaves=3)
    fine = fbm(rng, h, w, max(1.5, 0.14 * ppm), octaves=3)
    crown_mask = smoothstep(0.42, 0.55, field + 0.12 * rough + 0.04 * fine)
    # trunk and two branches
    trunk_mask = np.zeros((h, w), np.uint8)
    base = (ax, ay)
    top = (ax + rng.uniform(-0.2, 0.2) * ppm, ay - cy * ppm)
    tw = max(1.0, trunk * ppm)
    pts = np.array([[base[0] - tw / 2, base[1]], [base[0] + tw / 2, base[1]], [top[0] + tw * 0.3, top[1]],
                    [top[0] - tw * 0.3, top[1]]])
    cv2.fillPoly(trunk_mask, [np.round(pts * 4).astype(np.int32)], 1, cv2.LINE_8, shift=2)
    for side in (-1, 1):
        by = ay - (clear + rng.uniform(0.2, 0.8)) * ppm
        end = (ax + side * rng.uniform(0.5, 1.1) * ppm, by - rng.uniform(0.6, 1.2) * ppm)
        cv2.line(trunk_mask, (int(ax), int(by)), (int(end[0]), int(end[1])), 1, max(1, int(tw * 0.35)))
    trunk_f = trunk_mask.astype(np.float32)
    alpha = np.maximum(crown_mask, trunk_f * (1 - crown_mask * 0.9))
    leaf = np.asarray(LEAF_COLOURS[int(rng.integers(len(LEAF_COLOURS)))], np.float32)
    shade = 0.62 + 0.38 * np.clip((up - clear) / max(height - clear, 1e-3), 0, 1) + 0.1 * (field - 0.5)
    leaf_tex = np.clip(0.78 + 0.28 * fine + 0.1 * rough, 0.35, 1.4)
    leaf_rgb = leaf[None, None, :] * (shade * leaf_tex)[..., None]
    bark = np.asarray((0.30, 0.26, 0.22), np.float32)[None, None, :] * (0.85 + 0.15 * fine[..., None])
    cw = (crown_mask / np.maximum(alpha, 1e-6))[..., None]
    albedo = leaf_rgb * cw + bark * (1 - cw)
    t_leaf = light.t_air + light.d_vegetation + 0.9 * fine + 0.4 * rough - 0.8 * (1 - shade)
    t_bark = np.full((h, w), light.t_air + light.d_vegetation + 1.5, np.float32)
    temp = t_leaf * cw[..., 0] + t_bark * (1 - cw[..., 0])
    return Sprite2D(alpha.astype(np.float32), albedo.astype(np.float32), temp.astype(np.float32), ax, ay)


def hedge_strip(rng: np.random.Generator, width: int, ppm: float, light: Lighting, height: float = 1.0) -> Sprite2D:
    """A hedge running along the whole canvas width (periodic), ``height`` metres tall, with a few gaps."""
    h = max(4, int(np.ceil(height * 1.4 * ppm)))
    top_line = height * ppm * (0.85 + 0.15 * fbm(rng, 1, width, max(2.0, 1.2 * ppm), octaves=3, periodic=True))
    yy = np.arange(h, dtype=np.float32)[:, None]
    ay = float(h - 1)
    up = ay - yy
    gaps = fbm(rng, 1, width, max(4.0, 6.0 * ppm), octaves=2, periodic=True)
    present = smoothstep(-1.2, -0.9, gaps)
    alpha = smoothstep(-1.0, 1.0, top_line - up) * present
    fine = fbm(rng, h, width, max(1.5, 0.15 * ppm), octaves=3, periodic=True)
    leaf = np.asarray((0.16, 0.30, 0.12), np.float32)
    shade = 0.7 + 0.3 * np.clip(up / max(height * ppm, 1), 0, 1)
    albedo = leaf[None, None, :] * (shade * np.clip(0.8 + 0.25 * fine, 0.4, 1.3))[..., None]
    temp = light.t_air + light.d_vegetation + 0.7 * fine
    return Sprite2D(alpha.astype(np.float32), albedo.astype(np.float32), temp.astype(np.float32), 0.0, ay)
