"""Static street furniture: advertising pillars, street lamps, bollards, bins (and trees).

Props on the near curb are drawn every frame in depth order with the moving
actors, so a target walking or driving behind one is really hidden (the
planned occlusion). Props further away are baked into the background canvas.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from synth.scene.lighting import Lighting
from synth.scene.textures import fbm
from synth.scene.vegetation import Sprite2D, tree_sprite

POSTER_COLOURS = ((0.85, 0.15, 0.12), (0.10, 0.35, 0.70), (0.95, 0.80, 0.15), (0.15, 0.55, 0.30),
                  (0.92, 0.92, 0.90), (0.10, 0.10, 0.12), (0.90, 0.45, 0.10))
LAMP_HEIGHT = 6.0


@dataclass(frozen=True)
class Prop:
    """A sprite standing at canvas x ``x`` (its ground anchor) and depth ``z`` metres."""

    kind: str
    x: float
    z: float
    sprite: Sprite2D


def _cylinder_shade(w: int) -> np.ndarray:
    u = (np.arange(w, dtype=np.float32) + 0.5) / w * 2 - 1
    return (0.55 + 0.45 * np.sqrt(np.clip(1 - u * u, 0, 1)) + 0.12 * u).astype(np.float32)


def pillar_sprite(rng: np.random.Generator, ppm: float, light: Lighting) -> Sprite2D:
    """An advertising column 1.2 m wide and 2.7 m tall, covered in posters, with a domed cap."""
    body_w, body_h, cap_w, cap_h = 1.2, 2.55, 1.36, 0.3
    w = int(np.ceil(cap_w * ppm)) + 2
    h = int(np.ceil((body_h + cap_h + 0.12) * ppm)) + 2
    ax, ay = w / 2.0, float(h - 1)
    alpha = np.zeros((h, w), np.float32)
    albedo = np.zeros((h, w, 3), np.float32)
    yy = (ay - (np.arange(h, dtype=np.float32) + 0.5)) / ppm  # metres up
    x0b, x1b = int(round(ax - body_w / 2 * ppm)), int(round(ax + body_w / 2 * ppm))
    body_rows = (yy >= 0) & (yy < body_h)
    alpha[body_rows, x0b:x1b] = 1.0
    # posters: stacked bands of coloured rectangles with 'text' lines
    posters = np.empty((h, x1b - x0b, 3), np.float32)
    posters[:] = (0.82, 0.80, 0.74)
    edges = np.sort(rng.uniform(0.3, body_h - 0.1, 3))
    cuts = np.sort(rng.uniform(0.15, 0.85, 2)) * (x1b - x0b)
    bands = np.concatenate([[0.25], edges, [body_h - 0.05]])
    for i in range(len(bands) - 1):
        rows = (yy >= bands[i] + 0.03) & (yy < bands[i + 1] - 0.03)
        lo = 0
        for c in list(cuts.astype(int)) + [x1b - x0b]:
            colour = np.asarray(POSTER_COLOURS[int(rng.integers(len(POSTER_COLOURS)))], np.float32)
            posters[rows, lo + 1:c - 1] = colour
            text_rows = rows & ((yy * 9 % 1.0) < 0.35) & (yy > bands[i] + 0.15)
            tcol = np.asarray((0.1, 0.1, 0.1) if colour.mean() > 0.5 else (0.95, 0.95, 0.92), np.float32)
            span = slice(lo + 2 + int(0.1 * (c - lo)), max(lo + 3, c - 2 - int(0.2 * (c - lo))))
            posters[text_rows, span] = tcol
            lo = c
    noise = fbm(rng, h, x1b - x0b, max(2.0, 0.3 * ppm), octaves=3)
    shade = _cylinder_shade(x1b - x0b)[None, :, None]
    albedo[:, x0b:x1b] = posters * shade * (1 + 0.04 * noise[..., None])
    base_rows = (yy >= 0) & (yy < 0.25)
    albedo[base_rows, x0b:x1b] = np.asarray((0.18, 0.22, 0.20), np.float32) * shade[0]
    # cap
    x0c, x1c = int(round(ax - cap_w / 2 * ppm)), int(round(ax + cap_w / 2 * ppm))
    cap_rows = (yy >= body_h) & (yy < body_h + 0.1)
    alpha[cap_rows, x0c:x1c] = 1.0
    albedo[cap_rows, x0c:x1c] = np.asarray((0.16, 0.20, 0.18), np.float32) * _cylinder_shade(x1c - x0c)[None, :, None]
    dome = (yy >= body_h + 0.1) & (yy < body_h + cap_h)
    for r in np.nonzero(dome)[0]:
        frac = (yy[r] - body_h - 0.1) / (cap_h - 0.1)
        half = (cap_w / 2) * np.sqrt(max(0.0, 1 - frac ** 2)) * ppm * 0.8
        c0, c1 = int(round(ax - half)), int(round(ax + half))
        if c1 > c0:
            alpha[r, c0:c1] = 1.0
            albedo[r, c0:c1] = np.asarray((0.18, 0.23, 0.20), np.float32) * _cylinder_shade(c1 - c0)[:, None]
    sun = 2.5 * max(light.sun[0], 0.0)  # the sunlit column is warmer than the air
    temp = np.full((h, w), light.t_air + light.d_facade * 0.6 + sun, np.float32)
    temp += 0.4 * (albedo.mean(axis=2) < 0.3).astype(np.float32)
    temp[:, x0b:x1b] += 0.12 * noise
    return Sprite2D(alpha, albedo, temp, ax, ay)


def lamp_sprite(ppm: float, light: Lighting, side: int = 1) -> Sprite2D:
    """A street lamp: a tapered pole with an arm and a head that glows when the lights are on."""
    reach = 1.0
    w = int(np.ceil((2 * reach + 1.6) * ppm)) + 2
    h = int(np.ceil((LAMP_HEIGHT + 0.8) * ppm)) + 2
    ax, ay = w / 2.0, float(h - 1)
    mask = np.zeros((h, w), np.uint8)
    pole_b, pole_t = max(1.0, 0.16 * ppm), max(1.0, 0.09 * ppm)
    top = ay - LAMP_HEIGHT * ppm
    pts = np.array([[ax - pole_b / 2, ay], [ax + pole_b / 2, ay], [ax + pole_t / 2, top], [ax - pole_t / 2, top]])
    cv2.fillPoly(mask, [np.round(pts * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)
    head_x = ax + side * reach * ppm
    arm = np.array([[ax, top + 0.05 * ppm], [head_x, top - 0.15 * ppm]])
    cv2.line(mask, tuple(np.round(arm[0] * 4).astype(int)), tuple(np.round(arm[1] * 4).astype(int)), 255,
             max(1, int(round(0.07 * ppm))), cv2.LINE_AA, 2)
    head = np.zeros_like(mask)
    cv2.ellipse(head, (int(round(head_x * 4)), int(round((top - 0.1 * ppm) * 4))),
                (int(0.35 * ppm * 4), max(1, int(0.12 * ppm * 4))), 0, 0, 360, 255, -1, cv2.LINE_AA, 2)
    alpha = np.maximum(mask, head).astype(np.float32) / 255.0
    albedo = np.empty((h, w, 3), np.float32)
    albedo[:] = (0.22, 0.23, 0.24)
    albedo[:, : int(ax)] *= 0.85
    temp = np.full((h, w), light.t_air + 1.0, np.float32)
    hm = head.astype(np.float32) / 255.0
    emission = None
    glow = None
    if light.lights_on:
        level = 1.0 if light.name == "night" else 0.6
        emission = (hm[..., None] * np.asarray((1.6, 1.35, 1.0), np.float32) * level).astype(np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        d = np.hypot(xx - head_x, (yy - (top - 0.05 * ppm)) * 1.3) / ppm
        falloff = np.clip(np.exp(-d / 0.45) - np.exp(-1.6 / 0.45), 0, None)
        glow = (falloff * 0.9 * level)[..., None] * np.asarray(light.lamp, np.float32) / 1.35
        glow = glow.astype(np.float32)
        temp += hm * 25.0
    return crop_sprite(Sprite2D(alpha, albedo, temp, ax, ay, emission, glow))


def crop_sprite(sp: Sprite2D) -> Sprite2D:
    """The sprite cut to the box where it has any alpha or glow (anchor moved to match)."""
    used = sp.alpha > 1e-3
    if sp.glow is not None:
        used |= sp.glow.max(axis=2) > 1e-3
    ys, xs = np.nonzero(used)
    if len(ys) == 0:
        return sp
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    cut = (slice(y0, y1), slice(x0, x1))
    return Sprite2D(sp.alpha[cut], sp.albedo[cut], sp.temp[cut], sp.ax - x0, sp.ay - y0,
                    None if sp.emission is None else sp.emission[cut], None if sp.glow is None else sp.glow[cut])


def bollard_sprite(ppm: float, light: Lighting) -> Sprite2D:
    w, h = max(2, int(np.ceil(0.16 * ppm)) + 2), int(np.ceil(0.95 * ppm)) + 2
    alpha = np.zeros((h, w), np.float32)
    alpha[2:, 1:-1] = 1.0
    albedo = np.empty((h, w, 3), np.float32)
    albedo[:] = (0.20, 0.20, 0.22)
    band = slice(int(0.12 * ppm) + 2, int(0.2 * ppm) + 2)
    albedo[band] = (0.9, 0.9, 0.88)
    albedo *= _cylinder_shade(w)[None, :, None]
    temp = np.full((h, w), light.t_air + 0.5, np.float32)
    return Sprite2D(alpha, albedo, temp, w / 2.0, float(h - 1))


def bin_sprite(ppm: float, light: Lighting) -> Sprite2D:
    w, h = int(np.ceil(0.5 * ppm)) + 2, int(np.ceil(0.9 * ppm)) + 2
    alpha = np.zeros((h, w), np.float32)
    alpha[1:, 1:-1] = 1.0
    albedo = np.empty((h, w, 3), np.float32)
    albedo[:] = (0.16, 0.32, 0.22)
    albedo[: max(2, int(0.1 * ppm))] = (0.12, 0.22, 0.16)
    albedo *= _cylinder_shade(w)[None, :, None]
    temp = np.full((h, w), light.t_air + 1.5, np.float32)
    return Sprite2D(alpha, albedo, temp, w / 2.0, float(h - 1))


def make_prop(kind: str, x: float, z: float, ppm: float, light: Lighting, rng: np.random.Generator) -> Prop:
    if kind == "pillar":
        sprite = pillar_sprite(rng, ppm, light)
    elif kind == "tree":
        sprite = tree_sprite(rng, ppm, light, height=5.2, crown=2.8, clear=2.7, trunk=0.3)
    elif kind == "lamp":
        sprite = lamp_sprite(ppm, light, side=1)
    elif kind == "bollard":
        sprite = bollard_sprite(ppm, light)
    elif kind == "bin":
        sprite = bin_sprite(ppm, light)
    else:
        raise ValueError(f"unknown prop kind {kind!r}")
    return Prop(kind, x, z, sprite)
