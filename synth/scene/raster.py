"""Turning labelled polygons into anti-aliased sprites, blurring them, and compositing them in depth order.

A sprite holds, for a small patch of the image, four premultiplied
channels (visible RGB and temperature) and alpha, so the visible and thermal
images always agree on where an object is; frames are ``H x W x 4`` the same
way. Polygons are filled into a supersampled label map, coloured through the
part table, then averaged down (anti-aliasing).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from synth.scene.looks import PartTable

SUPERSAMPLE_AREA = 6_000  # patches larger than this (px) are drawn without supersampling


@dataclass
class Sprite:
    x0: int  # image column of the patch's left edge
    y0: int
    rgbt: np.ndarray  # (h, w, 4) colour and temperature, premultiplied by alpha
    alpha: np.ndarray  # (h, w)
    glow: np.ndarray | None = None  # (h, w, 3) additive light, visible only

    @property
    def shape(self) -> tuple[int, int]:
        return self.alpha.shape


@dataclass(frozen=True)
class Shading:
    """How to colour one actor in this frame."""

    illumination: np.ndarray  # (3,) light falling on the actor
    crossover: float = 0.0  # 0..1: thermal crossover; flattens the actor's own temperature detail
    edge_cooling: float = 0.8  # degrees C cooler at the silhouette edge


def bounds_of(polys: list[np.ndarray]) -> tuple[float, float, float, float]:
    pts = np.concatenate(polys)
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def rasterize(parts: list[tuple[int, np.ndarray]], table: PartTable, shading: Shading, texture: np.ndarray,
              tex_affine: np.ndarray, frame: tuple[int, int], margin: int | None, supersample: int = 2,
              supersample_area: int = SUPERSAMPLE_AREA) -> Sprite | None:
    """Sprite of polygons given in image coordinates (continuous convention).

    ``tex_affine`` maps texture indices to image coordinates. With ``margin``
    the patch is cut to the frame plus that margin; ``None`` keeps the whole
    silhouette (used for the target, whose in-frame share is measured).
    """
    polys = [p for _, p in parts]
    bx0, by0, bx1, by1 = bounds_of(polys)
    x0, y0 = int(math.floor(bx0)) - 1, int(math.floor(by0)) - 1
    x1, y1 = int(math.ceil(bx1)) + 1, int(math.ceil(by1)) + 1
    if margin is not None:
        w_img, h_img = frame
        x0, y0 = max(x0, -margin), max(y0, -margin)
        x1, y1 = min(x1, w_img + margin), min(y1, h_img + margin)
    if x1 <= x0 or y1 <= y0:
        return None
    ss = supersample if (x1 - x0) * (y1 - y0) < supersample_area else 1
    hs, ws = (y1 - y0) * ss, (x1 - x0) * ss
    label = np.zeros((hs, ws), np.uint8)
    allpts = np.concatenate(polys)
    fixed_all = np.round(((allpts - (x0, y0)) * ss - 0.5) * 8).astype(np.int32)
    fixed = np.split(fixed_all, np.cumsum([len(p) for p in polys])[:-1])
    for (lab, _), q in zip(parts, fixed):
        cv2.fillPoly(label, [q], int(lab), cv2.LINE_8, shift=3)
    if ss == 1:  # no supersampling: anti-aliased coverage for alpha, edge pixels take a neighbour's part
        cover = np.zeros((hs, ws), np.uint8)
        for q in fixed:  # one call per polygon: a multi-polygon fill would cut holes where they overlap
            cv2.fillPoly(cover, [q], 255, cv2.LINE_AA, shift=3)
        alpha = cover.astype(np.float32) * np.float32(1 / 255)
        label = np.where(label > 0, label, cv2.dilate(label, np.ones((3, 3), np.uint8)))
    else:
        alpha = (label > 0).astype(np.float32)
    to_patch = np.array([[ss, 0, -ss * x0 - 0.5], [0, ss, -ss * y0 - 0.5], [0, 0, 1]], np.float64)
    tex_m = (to_patch @ np.vstack([tex_affine, [0, 0, 1]]))[:2]
    tex = cv2.warpAffine(texture, tex_m, (ws, hs), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    ao = cv2.GaussianBlur(alpha, (0, 0), max(0.8, 0.012 * (by1 - by0) * ss))
    rows = ((np.arange(hs, dtype=np.float32) + 0.5) / ss + y0 - by0) / max(by1 - by0, 1.0)
    vertical = (0.5 - np.clip(rows, 0, 1))[:, None]
    w = shading.crossover
    lut = np.zeros((len(table.temp), 8), np.float32)
    lut[:, :3] = table.albedo * shading.illumination[None, :]
    lut[:, 3] = table.temp
    lut[:, 4] = table.texture
    lut[:, 5] = table.gradient
    lut[:, 6] = table.temp_texture
    att = np.take(lut, label, axis=0)
    gain = (1.0 + att[..., 4] * tex) * (1.0 + att[..., 5] * vertical)
    gain *= 0.72 + 0.28 * ao
    rgbt = att[..., :4] * gain[..., None]
    rgbt[..., 3] = att[..., 3] + (att[..., 6] * tex - shading.edge_cooling * (1 - ao)) * (1 - w)
    emissive = [q for (lab, _), q in zip(parts, fixed) if table.emission[lab].any()]
    if emissive:  # lights are small: add their emission only around them
        e = np.concatenate(emissive) // 8
        ex0, ey0 = max(int(e[:, 0].min()) - 1, 0), max(int(e[:, 1].min()) - 1, 0)
        ex1, ey1 = int(e[:, 0].max()) + 2, int(e[:, 1].max()) + 2
        rgbt[ey0:ey1, ex0:ex1, :3] += np.take(table.emission, label[ey0:ey1, ex0:ex1], axis=0)
    rgbt *= alpha[..., None]
    if ss > 1:
        size = (x1 - x0, y1 - y0)
        rgbt = cv2.resize(rgbt, size, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    return Sprite(x0, y0, rgbt, alpha)


def blend_temperature(sprite: Sprite, frame: np.ndarray, weight: float) -> None:
    """Pull the sprite's temperature towards what lies behind it, pixel by pixel (thermal crossover)."""
    crop = crop_to_frame(sprite, (frame.shape[1], frame.shape[0]))
    if crop is None or weight <= 0:
        return
    fr, sp = crop
    t = sprite.rgbt[sp][..., 3]
    sprite.rgbt[sp + (3,)] = (1 - weight) * t + weight * sprite.alpha[sp] * frame[fr + (3,)]


def line_kernel(dx: float, dy: float) -> np.ndarray:
    """Normalised kernel averaging along the segment (dx, dy): the blur of motion during the exposure."""
    length = math.hypot(dx, dy)
    n = int(math.ceil(length)) | 1
    k = np.zeros((n * 4, n * 4), np.float32)
    c = n * 2
    p0 = (int(round((c - dx / 2) * 4)), int(round((c - dy / 2) * 4)))
    p1 = (int(round((c + dx / 2) * 4)), int(round((c + dy / 2) * 4)))
    cv2.line(k, p0, p1, 1.0, 4, cv2.LINE_AA, 2)
    k = cv2.resize(k, (n, n), interpolation=cv2.INTER_AREA)
    s = float(k.sum())
    return k / s if s > 0 else k


def motion_blur(sprite: Sprite, dx: float, dy: float) -> Sprite:
    """Smear a sprite along its image motion (dx, dy) in pixels."""
    length = math.hypot(dx, dy)
    if length < 1.5:
        return sprite
    if abs(dy) < 0.5:  # (nearly) horizontal: a box filter along rows is exact enough and fast
        n = max(1, int(round(length)))
        p = n // 2 + 1

        def run(a: np.ndarray) -> np.ndarray:
            pad = ((0, 0), (p, p)) + ((0, 0),) * (a.ndim - 2)
            return cv2.blur(np.pad(a, pad), (n, 1), borderType=cv2.BORDER_CONSTANT)

        glow = run(sprite.glow) if sprite.glow is not None else None
        return Sprite(sprite.x0 - p, sprite.y0, run(sprite.rgbt), run(sprite.alpha), glow)
    k = line_kernel(dx, dy)
    p = k.shape[0] // 2 + 1

    def run2(a: np.ndarray) -> np.ndarray:
        pad = ((p, p), (p, p)) + ((0, 0),) * (a.ndim - 2)
        return cv2.filter2D(np.pad(a, pad), -1, k, borderType=cv2.BORDER_CONSTANT)

    glow = run2(sprite.glow) if sprite.glow is not None else None
    return Sprite(sprite.x0 - p, sprite.y0 - p, run2(sprite.rgbt), run2(sprite.alpha), glow)


def crop_to_frame(sprite: Sprite, frame: tuple[int, int]) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """Frame slices and sprite slices of the overlap, or None."""
    w_img, h_img = frame
    h, w = sprite.shape
    fx0, fy0 = max(sprite.x0, 0), max(sprite.y0, 0)
    fx1, fy1 = min(sprite.x0 + w, w_img), min(sprite.y0 + h, h_img)
    if fx1 <= fx0 or fy1 <= fy0:
        return None
    fr = (slice(fy0, fy1), slice(fx0, fx1))
    sp = (slice(fy0 - sprite.y0, fy1 - sprite.y0), slice(fx0 - sprite.x0, fx1 - sprite.x0))
    return fr, sp


def composite(frame: np.ndarray, sprite: Sprite):
    """Draw ``sprite`` over the ``H x W x 4`` frame; returns (frame slices, alpha in the overlap) or None."""
    crop = crop_to_frame(sprite, (frame.shape[1], frame.shape[0]))
    if crop is None:
        return None
    fr, sp = crop
    a = sprite.alpha[sp]
    f = frame[fr]
    f *= (1.0 - a)[..., None]
    f += sprite.rgbt[sp]
    if sprite.glow is not None:
        f[..., :3] += sprite.glow[sp]
    return fr, a


class Coverage:
    """How much of the target's (in-frame) silhouette later layers have covered."""

    def __init__(self, region: tuple[slice, slice], alpha: np.ndarray):
        self.y0, self.x0 = region[0].start, region[1].start
        self.alpha = alpha.copy()
        self.cover = np.zeros_like(alpha)

    def add(self, region: tuple[slice, slice], alpha: np.ndarray) -> None:
        h, w = self.alpha.shape
        ys0, ys1 = max(region[0].start, self.y0), min(region[0].stop, self.y0 + h)
        xs0, xs1 = max(region[1].start, self.x0), min(region[1].stop, self.x0 + w)
        if ys1 <= ys0 or xs1 <= xs0:
            return
        a = alpha[ys0 - region[0].start:ys1 - region[0].start, xs0 - region[1].start:xs1 - region[1].start]
        c = self.cover[ys0 - self.y0:ys1 - self.y0, xs0 - self.x0:xs1 - self.x0]
        c[:] = 1.0 - (1.0 - c) * (1.0 - a)

    def hidden(self) -> float:
        """Covered amount of the target's in-frame silhouette (alpha-weighted)."""
        return float((self.alpha * self.cover).sum())

    def area(self) -> float:
        return float(self.alpha.sum())
