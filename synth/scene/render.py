"""Render one frame of the world: warp the background, cast shadows, draw actors and props far to near.

Output is scene colour and scene temperature in the visible camera's image,
plus the target's outline vertices (for exact ground truth) and how much of
it is in the frame and hidden by nearer things. Sensors turn the scene
values into pixels afterwards.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from synth.scene.actors import TEXTURE_RES, Actor
from synth.scene.camera import index_affine
from synth.scene.headlights import draw_vehicle_lights
from synth.scene.props import Prop
from synth.scene.rigid import RigidCache
from synth.scene.raster import (Coverage, Shading, Sprite, blend_temperature, composite, line_kernel, motion_blur,
                                rasterize)
from synth.scene.shadows import ShadowMap, shadow_affine
from synth.scene.thermal import crossover_weight
from synth.scene.world import World

EXPOSURE = 0.5  # fraction of the frame interval the shutter is open (motion blur length)


@dataclass
class RenderedFrame:
    rgbt: np.ndarray  # H x W x 4 float32: scene colour (RGB) and temperature (degrees C)
    target_outline: np.ndarray | None  # (N, 2) image coordinates of the target's polygon vertices
    in_frame: float  # share of the target's silhouette inside the frame
    occlusion: float  # share of its in-frame silhouette hidden by nearer objects
    blur_px: float  # length of the target's motion blur
    distractor_distance: float | None  # nearest look-alike, centre distance in target widths

    @property
    def visible(self) -> np.ndarray:
        return self.rgbt[..., :3]

    @property
    def temp(self) -> np.ndarray:
        return np.ascontiguousarray(self.rgbt[..., 3])


@dataclass
class _PropTile:
    """A band of a prop's sprite, cut to where it has content (tall thin props waste little)."""

    prop: Prop
    dx: int  # offset of the tile inside the prop's sprite
    dy: int
    rgbt: np.ndarray  # lit colour and temperature, premultiplied
    alpha: np.ndarray


@dataclass
class _Placed:
    actor: Actor
    lap: int
    x: float
    z: float
    row: float
    ppm: float
    facing: int
    a: np.ndarray  # local metres -> image
    b: np.ndarray
    local: list  # parts in local metres
    parts: list  # parts in image pixels


class SceneRenderer:
    def __init__(self, world: World):
        self.world = world
        self.cfg = world.cfg
        self.size = (world.cfg.width, world.cfg.height)
        self.props = [tile for p in world.props for tile in self._prepare_prop(p)]
        self.rigid = RigidCache()

    # ------------------------------------------------------------------ setup
    def _prepare_prop(self, prop: Prop, band: int = 96) -> list[_PropTile]:
        light = self.world.light
        sp = prop.sprite
        illum = np.asarray(light.ambient, np.float32) + np.asarray(light.sun, np.float32)
        illum = illum + self.world.background.lamp_rgb(prop.x % self.world.canvas_width, 1.5, prop.z)
        colour = sp.albedo * illum
        if sp.emission is not None:
            colour = colour + sp.emission
        rgbt = (np.concatenate([colour, sp.temp[..., None]], axis=2) * sp.alpha[..., None]).astype(np.float32)
        tiles = []
        for y in range(0, sp.alpha.shape[0], band):
            a = sp.alpha[y:y + band]
            cols = np.nonzero(a.max(axis=0) > 1e-3)[0]
            if len(cols) == 0:
                continue
            x0, x1 = int(cols[0]), int(cols[-1]) + 1
            tiles.append(_PropTile(prop, x0, y, np.ascontiguousarray(rgbt[y:y + band, x0:x1]),
                                   np.ascontiguousarray(a[:, x0:x1])))
        return tiles

    # ------------------------------------------------------------------ per frame
    def render(self, i: int) -> RenderedFrame:
        w = self.world
        t = i / self.cfg.fps
        m = w.camera.matrix(i)
        m_prev = w.camera.matrix(max(i - 1, 0))
        frame = self._background(i, m, m_prev)
        placed = [p for p in (self._place(a, t, m, i) for a in w.actors) if p is not None]
        scale = float(w.camera.scale[i])
        shadows = ShadowMap(self.cfg.width, self.cfg.height, w.light,
                            w.light.shadow_softness * float(w.ground.ppm(w.target.path.z_at(t))) * scale)
        for p in placed:
            self._shadow(shadows, p, m)
        shadows.apply(frame)
        layers: list[tuple[float, int, object]] = [(p.z, 1, p) for p in placed]
        hw, _ = w.camera.half_extent(i)
        for pr in self.props:
            x = self._nearest_copy(pr.prop.x, w.camera.cx[i])
            reach = pr.prop.sprite.alpha.shape[1] + hw
            if abs(x - w.camera.cx[i]) < reach:
                layers.append((pr.prop.z, 0, (pr, x)))
        layers.sort(key=lambda item: (-item[0], item[1]))
        coverage: Coverage | None = None
        total = 0.0
        outline = None
        blur_px = 0.0
        for _, kind, obj in layers:
            if kind == 0:
                sprite = self._prop_sprite(*obj, m)
                if sprite is None:
                    continue
                done = composite(frame, sprite)
            else:
                sprite, blur = self._actor_sprite(obj, t, i, frame)
                if sprite is None:
                    continue
                is_target = obj.actor.role == "target"
                if is_target:
                    total = float(sprite.alpha.sum())
                    outline = np.concatenate([poly for _, poly in obj.parts])
                    blur_px = blur
                done = composite(frame, sprite)
                if obj.actor.kind == "vehicle":
                    draw_vehicle_lights(frame, obj.a, obj.b, obj.actor.look_for_lap(obj.lap),
                                        obj.ppm * float(w.camera.scale[i]), w.light)
                if is_target:
                    coverage = Coverage(*done) if done is not None else None
                    continue
            if done is not None and coverage is not None:
                coverage.add(*done)
        if outline is None:  # the target is far outside the view: still report its outline
            outline = self._target_outline(t, m)
        in_frame = coverage.area() / total if coverage is not None and total > 0 else 0.0
        occlusion = coverage.hidden() / coverage.area() if coverage is not None and coverage.area() > 0 else 0.0
        return RenderedFrame(frame, outline, float(min(in_frame, 1.0)), float(occlusion), blur_px,
                             self._distractor_distance(placed, t, m))

    def _background(self, i: int, m: np.ndarray, m_prev: np.ndarray) -> np.ndarray:
        w = self.world
        width = w.canvas_width
        shift = math.floor(w.camera.cx[i] / width) * width
        mb = m.copy()
        mb[:, 2] += m[:, 0] * shift  # same view, centre moved into the canvas' first period
        mi = index_affine(mb)
        frame = cv2.warpAffine(w.background.rgbt, mi, self.size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_WRAP)
        centre = np.array([w.camera.cx[i], w.camera.cy[i], 1.0])
        move = (m @ centre - m_prev @ centre) * EXPOSURE
        if self.cfg.motion_blur and math.hypot(*move) > 1.5:
            frame = cv2.filter2D(frame, -1, line_kernel(*move), borderType=cv2.BORDER_REFLECT)
        return frame

    def _nearest_copy(self, x: float, cx: float) -> float:
        width = self.world.canvas_width
        return x + round((cx - x) / width) * width

    def _place(self, actor: Actor, t: float, m: np.ndarray, i: int) -> _Placed | None:
        w = self.world
        x = actor.path.x_at(t)
        lap = 0
        if actor.looping:
            period = actor.loop_periods * w.canvas_width
            lap = math.floor(x / period) if w.lap_variation else 0
            x = x % period
            if x >= w.canvas_width:  # away: on the part of its lap the world does not show
                return None
            x = self._nearest_copy(x, w.camera.cx[i])
        z = actor.path.z_at(t)
        ppm = float(w.ground.ppm(z))
        hw, _ = w.camera.half_extent(i)
        if actor.role != "target" and abs(x - w.camera.cx[i]) > hw + (actor.half_width(lap) + 0.5) * ppm:
            return None
        row = float(w.ground.row(z))
        facing = actor.facing(t)
        a = m[:, :2] @ np.diag([facing * ppm, -ppm])
        b = m[:, :2] @ np.array([x, row]) + m[:, 2]
        local = actor.parts(t, lap, ppm)
        parts = [(lab, poly @ a.T + b) for lab, poly in local]
        return _Placed(actor, lap, x, z, row, ppm, facing, a, b, local, parts)

    def _target_outline(self, t: float, m: np.ndarray) -> np.ndarray:
        target = self.world.target
        z = target.path.z_at(t)
        ppm = float(self.world.ground.ppm(z))
        facing = target.facing(t)
        a = m[:, :2] @ np.diag([facing * ppm, -ppm])
        b = m[:, :2] @ np.array([target.path.x_at(t), float(self.world.ground.row(z))]) + m[:, 2]
        return np.concatenate([poly @ a.T + b for _, poly in target.parts(t, 0, ppm)])

    def _shadow(self, shadows: ShadowMap, p: _Placed, m: np.ndarray) -> None:
        w = self.world
        scale = float(np.hypot(*m[:, 0]))
        sa, sb = shadow_affine(m, p.x, p.row, p.ppm, float(w.ground.rows_per_metre(p.z)), p.facing, w.light)
        polys = [poly @ sa.T + sb for _, poly in p.local] if w.light.shadow_length > 0 else []
        half = p.actor.half_width(p.lap) * (0.55 if p.actor.kind == "person" else 0.95)
        centre = m[:, :2] @ np.array([p.x, p.row]) + m[:, 2]
        rx = half * p.ppm * scale
        ry = max(1.0, 0.35 * half * float(w.ground.rows_per_metre(p.z)) * scale)
        shadows.add(polys, centre, rx, ry)

    def _actor_sprite(self, p: _Placed, t: float, i: int, frame: np.ndarray) -> tuple[Sprite | None, float]:
        w = self.world
        actor = p.actor
        illum = np.asarray(w.light.ambient, np.float32) + np.asarray(w.light.sun, np.float32)
        illum = illum + w.background.lamp_rgb(p.x % w.canvas_width, 1.0, p.z)
        # the target and its look-alikes (same clothes or paint, same temperatures) cross over together
        weight = crossover_weight(self.cfg, t) if actor.role in ("target", "distractor") else 0.0
        x0, _, y1 = actor.extent
        res = TEXTURE_RES
        tex_affine = np.concatenate([p.a @ np.diag([1 / res, -1 / res]),
                                     (p.a @ np.array([x0 + 0.5 / res, y1 - 0.5 / res]) + p.b)[:, None]], axis=1)
        margin = None if actor.role == "target" else 24
        table = actor.table(p.lap, w.light)
        if actor.kind == "vehicle" and weight == 0:
            sprite = self.rigid.sprite(actor, p.lap, p.facing, p.ppm, p.local, table, p.a, p.b, illum, self.size,
                                       margin)
        else:
            sprite = rasterize(p.parts, table, Shading(illum, weight), actor.texture, tex_affine, self.size, margin)
        if sprite is None:
            return None, 0.0
        if weight > 0:
            blend_temperature(sprite, frame, weight)
        dx, dy = self._image_motion(p, t, i)
        blur = math.hypot(dx, dy)
        if self.cfg.motion_blur:
            sprite = motion_blur(sprite, dx, dy)
        return sprite, blur

    def _image_motion(self, p: _Placed, t: float, i: int) -> tuple[float, float]:
        """Image displacement of the actor's anchor during the exposure (camera motion included)."""
        w = self.world
        dt = 1.0 / self.cfg.fps
        m_prev = w.camera.matrix(max(i - 1, 0))
        m_now = w.camera.matrix(i)
        x_prev = p.x - (p.actor.path.x_at(t) - p.actor.path.x_at(t - dt))
        row_prev = float(w.ground.row(p.actor.path.z_at(t - dt)))
        now = m_now[:, :2] @ np.array([p.x, p.row]) + m_now[:, 2]
        before = m_prev[:, :2] @ np.array([x_prev, row_prev]) + m_prev[:, 2]
        if i == 0:  # no previous camera: only the actor's own motion
            before = m_now[:, :2] @ np.array([x_prev, row_prev]) + m_now[:, 2]
        d = (now - before) * EXPOSURE
        return float(d[0]), float(d[1])

    def _prop_sprite(self, pr: _PropTile, x: float, m: np.ndarray) -> Sprite | None:
        w = self.world
        sp = pr.prop.sprite
        row = float(w.ground.row(pr.prop.z))
        tl = np.array([x - sp.ax + pr.dx, row - sp.ay + pr.dy])
        h, wd = pr.alpha.shape
        corners = np.array([[0, 0], [wd, 0], [0, h], [wd, h]], np.float64) + tl
        img = corners @ m[:, :2].T + m[:, 2]
        x0, y0 = max(int(math.floor(img[:, 0].min())) - 1, 0), max(int(math.floor(img[:, 1].min())) - 1, 0)
        x1 = min(int(math.ceil(img[:, 0].max())) + 1, self.size[0])
        y1 = min(int(math.ceil(img[:, 1].max())) + 1, self.size[1])
        if x1 <= x0 or y1 <= y0:
            return None
        warp = np.concatenate([m[:, :2], (m[:, :2] @ (tl + 0.5) + m[:, 2] - [x0 + 0.5, y0 + 0.5])[:, None]], axis=1)
        size = (x1 - x0, y1 - y0)
        args = dict(flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return Sprite(x0, y0, cv2.warpAffine(pr.rgbt, warp, size, **args), cv2.warpAffine(pr.alpha, warp, size, **args))

    def _distractor_distance(self, placed: list[_Placed], t: float, m: np.ndarray) -> float | None:
        target = next((p for p in placed if p.actor.role == "target"), None)
        others = [p for p in placed if p.actor.role == "distractor"]
        if target is None or not others:
            return None
        width = 2 * target.actor.half_width() * target.ppm
        return float(min(abs(o.x - target.x) for o in others) / max(width, 1e-6))
