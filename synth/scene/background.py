"""Build the static world canvas (sky, skyline, buildings, vegetation, street) and light it.

The result is the visible colour and the temperature of everything that
never moves, rendered once per sequence; each frame is a warp of it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from synth.scene import ground as g
from synth.scene.buildings import draw_facade, draw_skyline, plan_facades
from synth.scene.canvas import WorldCanvas, periodic_step
from synth.scene.lighting import Lamp, Lighting, lamp_light
from synth.scene.props import LAMP_HEIGHT, lamp_sprite
from synth.scene.sensor import KNEE
from synth.scene.sky import draw_sky
from synth.scene.street import draw_ground
from synth.scene.vegetation import hedge_strip, tree_sprite


@dataclass
class Background:
    """The lit static scene: ``rgbt`` (H x W x 4 float32: visible colour, then temperature in degrees C)."""

    rgbt: np.ndarray
    lamps: list[Lamp]
    ground: g.Ground
    light: Lighting

    @property
    def width(self) -> int:
        return self.rgbt.shape[1]

    def lamp_rgb(self, x: float, height: float, z: float) -> np.ndarray:
        """Street-lamp light (RGB) falling on a point at canvas x, ``height`` m up, depth ``z``."""
        if not self.light.lights_on or not self.lamps:
            return np.zeros(3, np.float32)
        level = float(lamp_light(self.lamps, self.ground.ppm, np.float64(x), np.float64(height), np.float64(z),
                                 self.width))
        return level * np.asarray(self.light.lamp, np.float32)


def far_lamps(ground: g.Ground, width: int) -> list[Lamp]:
    step = periodic_step(24.0 * ground.ppm(g.FAR_LAMP_Z), width)
    return [Lamp(x=k * step + step * 0.3, z=g.FAR_LAMP_Z - 1.0, height=LAMP_HEIGHT)
            for k in range(int(round(width / step)))]


def build_background(ground: g.Ground, light: Lighting, rng: np.random.Generator, width: int, height: int,
                     near_lamps: list[Lamp], glows: list[tuple[float, float, np.ndarray]] = ()) -> Background:
    """The lit static canvas. ``glows`` are ``(x, y, rgb)`` additive light sprites (top-left at canvas x, y) of
    street furniture drawn per frame, baked here once."""
    canvas = WorldCanvas(height, width)
    draw_sky(canvas, ground, light, rng)
    draw_ground(canvas, ground, light, rng)
    draw_skyline(canvas, ground, light, rng, g.SKYLINE_Z)
    for facade in plan_facades(rng, width, ground.ppm(g.BUILDINGS_Z), g.BUILDINGS_Z):
        draw_facade(canvas, facade, ground, light, rng)
    _trees(canvas, ground, light, rng)
    hedge = hedge_strip(rng, width, ground.ppm(g.HEDGE_Z), light)
    base = ground.row(g.HEDGE_Z)
    canvas.blit(0, int(round(base - hedge.ay)), hedge.alpha, hedge.albedo, hedge.temp, depth=g.HEDGE_Z,
                base_row=base, ppm=ground.ppm(g.HEDGE_Z))
    lamps = far_lamps(ground, width)
    _far_lamp_posts(canvas, ground, light, lamps)
    for x, y, glow in glows:
        _add_glow(canvas, int(round(x)), int(round(y)), glow)
    _bake_shadows(canvas, ground, light)
    visible = _light(canvas, ground, light, lamps + list(near_lamps))
    rgbt = np.concatenate([visible, canvas.temp[..., None]], axis=2)
    return Background(np.ascontiguousarray(rgbt, dtype=np.float32), lamps + list(near_lamps), ground, light)


def _trees(canvas: WorldCanvas, ground: g.Ground, light: Lighting, rng: np.random.Generator) -> None:
    ppm = ground.ppm(g.TREE_Z)
    x = rng.uniform(0, 8) * ppm
    while x < canvas.w - 4 * ppm:
        tree = tree_sprite(rng, ppm, light, height=rng.uniform(5.5, 8.5), crown=rng.uniform(3.0, 5.0),
                           clear=rng.uniform(1.8, 2.6))
        base = ground.row(g.TREE_Z)
        canvas.blit(int(round(x - tree.ax)), int(round(base - tree.ay)), tree.alpha, tree.albedo, tree.temp,
                    depth=g.TREE_Z, base_row=base, ppm=ppm)
        x += rng.uniform(9, 22) * ppm


def _far_lamp_posts(canvas: WorldCanvas, ground: g.Ground, light: Lighting, lamps: list[Lamp]) -> None:
    ppm = ground.ppm(g.FAR_LAMP_Z)
    sprite = lamp_sprite(ppm, light, side=1)
    base = ground.row(g.FAR_LAMP_Z)
    for lamp in lamps:
        x0 = int(round(lamp.x - sprite.ax - 1.0 * ppm))
        y0 = int(round(base - sprite.ay))
        canvas.blit(x0, y0, sprite.alpha, sprite.albedo, sprite.temp, sprite.emission, depth=g.FAR_LAMP_Z,
                    base_row=base, ppm=ppm)
        if sprite.glow is not None:
            _add_glow(canvas, x0, y0, sprite.glow)


def _add_glow(canvas: WorldCanvas, x0: int, y0: int, glow: np.ndarray) -> None:
    gh, gw = glow.shape[:2]
    ys0, ys1 = max(0, -y0), min(gh, canvas.h - y0)
    if ys1 <= ys0:
        return
    for c0, c1, off in canvas.segments(x0, x0 + gw):
        canvas.emission[y0 + ys0:y0 + ys1, c0:c1] += glow[ys0:ys1, off:off + c1 - c0]


def _bake_shadows(canvas: WorldCanvas, ground: g.Ground, light: Lighting) -> None:
    """Soft shadows cast on the ground by upright things (buildings, trees, hedge) when the sun is up."""
    if light.shadow_length <= 0:
        return
    upright = (canvas.height > 0.05) & np.isfinite(canvas.depth)
    # a ground pixel is shadowed if something upright stands just behind it (towards the low sun)
    shift = max(1, int(round(light.shadow_length * 0.25 * ground.ppm(g.FAR_SIDEWALK[1]))))
    occ = upright.astype(np.float32)
    occ = np.roll(occ, int(light.shadow_side * shift), axis=1)
    k = max(3, int(round(light.shadow_softness * ground.ppm(g.FAR_SIDEWALK[1]))) | 1)
    occ = cv2.GaussianBlur(occ, (k, k), 0)
    reach = max(2, int(round(0.9 * light.shadow_length * ground.rows_per_metre(g.FAR_SIDEWALK[1]))))
    down = np.zeros_like(occ)
    for dy in range(1, reach + 1):
        down[dy:] = np.maximum(down[dy:], occ[:-dy] * (1 - dy / (reach + 1)))
    ground_px = (canvas.height <= 0.05) & np.isfinite(canvas.depth)
    canvas.sunlit = np.where(ground_px, 1 - 0.85 * np.clip(down, 0, 1), canvas.sunlit).astype(np.float32)
    canvas.temp -= (1 - canvas.sunlit) * 0.5 * max(light.d_road, 0.0)


def _light(canvas: WorldCanvas, ground: g.Ground, light: Lighting, lamps: list[Lamp]) -> np.ndarray:
    ambient = np.asarray(light.ambient, np.float32)
    sun = np.asarray(light.sun, np.float32)
    illum = ambient[None, None, :] + sun[None, None, :] * canvas.sunlit[..., None]
    if light.lights_on and lamps:
        illum += _lamp_map(canvas, ground, lamps)[..., None] * np.asarray(light.lamp, np.float32)
    visible = canvas.albedo * illum + canvas.emission
    k = max(3, int(round(0.02 * ground.view_height)) | 1)
    bloom = cv2.GaussianBlur(np.clip(canvas.emission - 0.35, 0, None), (0, 0), k)
    visible += 0.8 * bloom
    # roll off highlights here once (the camera only needs to do it for moving lights)
    scale = 255.0 * light.exposure
    over = np.maximum(visible * scale - KNEE, 0.0)
    span = 255.0 - KNEE
    visible -= (over - span * over / (over + span)) / scale
    return visible.astype(np.float32)


def _lamp_map(canvas: WorldCanvas, ground: g.Ground, lamps: list[Lamp], step: int = 4) -> np.ndarray:
    """Lamp illuminance on every canvas pixel, computed on a coarse grid and upsampled (light is smooth)."""
    depth = canvas.depth[step // 2::step, step // 2::step].astype(np.float64)
    height = canvas.height[step // 2::step, step // 2::step].astype(np.float64)
    xs = (np.arange(depth.shape[1], dtype=np.float64) * step + step / 2)[None, :]
    finite = np.isfinite(depth)
    z = np.where(finite, depth, 1e6)
    small = lamp_light(lamps, ground.ppm, xs, height, z, canvas.w)
    small[~finite] = 0.0
    return cv2.resize(small.astype(np.float32), (canvas.w, canvas.h), interpolation=cv2.INTER_LINEAR)
