"""The ground: asphalt with lane markings, tyre tracks and manholes, paved sidewalks, curbs and grass.

Every row of the canvas below the horizon is a ground band chosen by its
depth, so markings and paving joints shrink with distance. Lateral patterns
use spacings that divide the canvas width, so the street wraps seamlessly.
"""
from __future__ import annotations

import numpy as np

from synth.scene import ground as g
from synth.scene.canvas import WorldCanvas, periodic_step
from synth.scene.lighting import Lighting
from synth.scene.textures import fbm, smoothstep

ASPHALT = (0.30, 0.30, 0.31)
PAVING = (0.60, 0.58, 0.55)
CURB = (0.70, 0.69, 0.67)
CURB_FACE = (0.40, 0.40, 0.40)
GRASS = (0.27, 0.40, 0.15)
FORECOURT = (0.48, 0.46, 0.42)
PAINT = (0.86, 0.86, 0.82)


def _band(depth: np.ndarray) -> np.ndarray:
    """Band index per row: 0 grass, 1 near sidewalk, 2 curb, 3 road, 4 curb, 5 far sidewalk, 6 verge, 7 forecourt."""
    edges = [g.NEAR_SIDEWALK[0], g.NEAR_CURB[0], g.NEAR_CURB[1], g.FAR_CURB[0], g.FAR_CURB[1],
             g.FAR_SIDEWALK[1], g.VERGE[1]]
    return np.searchsorted(np.asarray(edges), depth, side="right")


def draw_ground(canvas: WorldCanvas, ground: g.Ground, light: Lighting, rng: np.random.Generator) -> None:
    h, w = canvas.h, canvas.w
    first = int(np.ceil(ground.horizon + 1))
    if first >= h:
        return
    rows = np.arange(first, h, dtype=np.float64) + 0.5
    depth = ground.depth(rows)
    band = _band(depth)
    n = h - first
    colours = np.asarray([GRASS, PAVING, CURB, ASPHALT, CURB, PAVING, GRASS, FORECOURT], np.float32)
    temps = np.asarray([light.d_grass, light.d_sidewalk, light.d_sidewalk * 0.8, light.d_road,
                        light.d_sidewalk * 0.8, light.d_sidewalk, light.d_grass, light.d_sidewalk], np.float32)
    rough = np.asarray([0.20, 0.06, 0.05, 0.10, 0.05, 0.06, 0.20, 0.08], np.float32)
    coarse = fbm(rng, n, w, max(3.0, 0.06 * h), octaves=4, stretch=3.0, periodic=True)
    fine = fbm(rng, n, w, 2.0, octaves=2, stretch=1.5, periodic=True)
    speck = rng.random((n, w), dtype=np.float32)
    amp = rough[band][:, None]
    albedo = colours[band][:, None, :] * (1.0 + amp * (0.6 * coarse + 0.5 * fine))[..., None]
    road = (band == 3)[:, None]
    albedo = np.where(road[..., None] & (speck[..., None] > 0.985), albedo * 1.45, albedo)
    temp = (light.t_air + temps[band])[:, None] + 0.45 * coarse + 0.3 * fine
    canvas.albedo[first:] = albedo
    canvas.temp[first:] = temp
    canvas.depth[first:] = depth.astype(np.float32)[:, None]
    canvas.height[first:] = 0.0
    _tyre_tracks(canvas, ground, first, depth, coarse, light)
    _markings(canvas, ground, first, depth, coarse, light)
    _paving(canvas, ground, first, depth, band)
    _curb_face(canvas, ground, light)
    _manholes(canvas, ground, light, rng)


def _rows_between(ground: g.Ground, z_near: float, z_far: float, first: int, n: int) -> tuple[int, int]:
    """Canvas-row slice (relative to ``first``) covering ground depths from z_far to z_near."""
    r0 = int(np.floor(ground.row(z_far))) - first
    r1 = int(np.ceil(ground.row(z_near))) - first
    return max(0, r0), min(n, max(r1, r0 + 1))


def _tyre_tracks(canvas, ground, first, depth, coarse, light) -> None:
    """Darker (and slightly warmer) bands where wheels run, two per lane."""
    for z_lane, _ in g.LANES.values():
        for off in (-0.85, 0.85):
            zc = z_lane + off
            weight = np.exp(-((depth - zc) / 0.3) ** 2).astype(np.float32)[:, None]
            sel = weight[:, 0] > 0.02
            if not sel.any():
                continue
            rs = np.nonzero(sel)[0]
            r0, r1 = rs[0] + first, rs[-1] + 1 + first
            wv = weight[rs[0]:rs[-1] + 1]
            canvas.albedo[r0:r1] *= (1 - 0.12 * wv * (1 + 0.3 * coarse[rs[0]:rs[-1] + 1]))[..., None]
            canvas.temp[r0:r1] += 0.5 * wv


def _markings(canvas, ground, first, depth, coarse, light) -> None:
    n = canvas.h - first
    xs = np.arange(canvas.w, dtype=np.float64) + 0.5
    wear = smoothstep(-1.6, -0.6, coarse)
    for zc, dashed in ((g.CENTER_LINE, True), (g.EDGE_LINES[0], False), (g.EDGE_LINES[1], False)):
        r0, r1 = _rows_between(ground, zc - 0.06, zc + 0.06, first, n)
        if dashed:
            period = periodic_step(9.0 * ground.ppm(zc), canvas.w)
            on = ((xs % period) < period / 3).astype(np.float32)
        else:
            on = np.ones(canvas.w, np.float32)
        rows = slice(first + r0, first + r1)
        # partial coverage of the first/last row keeps thin lines anti-aliased
        cover = np.clip(np.minimum(ground.row(zc - 0.06) - (np.arange(r0, r1) + first),
                                   (np.arange(r0, r1) + first + 1) - ground.row(zc + 0.06)), 0, 1).astype(np.float32)
        m = (cover[:, None] * on[None, :] * wear[r0:r1])[..., None]
        canvas.albedo[rows] = canvas.albedo[rows] * (1 - m) + np.asarray(PAINT, np.float32) * m
        canvas.temp[rows] -= 1.2 * m[..., 0] * (light.d_road / 10.0 + 0.3)


def _paving(canvas, ground, first, depth, band) -> None:
    """Joints of sidewalk slabs: rows at every slab depth, staggered vertical joints within each slab row."""
    n = canvas.h - first
    for zone in (g.NEAR_SIDEWALK, g.FAR_SIDEWALK):
        slab = 0.8 if zone is g.NEAR_SIDEWALK else 1.0
        edges = np.arange(zone[0], zone[1] + 1e-6, slab)
        for k in range(len(edges) - 1):
            z_near, z_far = edges[k], edges[k + 1]
            r_far = int(round(ground.row(z_far))) - first
            r_near = int(round(ground.row(z_near))) - first
            if 0 <= r_far < n:
                canvas.albedo[first + r_far] *= 0.72
            lo, hi = max(0, r_far + 1), min(n, r_near)
            if hi <= lo:
                continue
            step = periodic_step(1.2 * ground.ppm((z_near + z_far) / 2), canvas.w)
            offset = step / 2 if k % 2 else 0.0
            cols = (np.arange(int(round(canvas.w / step))) * step + offset).astype(int) % canvas.w
            canvas.albedo[first + lo:first + hi, cols] *= 0.78


def _curb_face(canvas: WorldCanvas, ground: g.Ground, light: Lighting) -> None:
    """The vertical face of the far curb, seen from the camera."""
    z = g.FAR_CURB[0]
    bottom = ground.row(z)
    top = bottom - g.CURB_FACE * ground.ppm(z)
    canvas.fill(0, top, canvas.w, bottom, albedo=CURB_FACE, temp=light.t_air + light.d_sidewalk * 0.6,
                depth=z, base_row=bottom, ppm=ground.ppm(z))


def _manholes(canvas: WorldCanvas, ground: g.Ground, light: Lighting, rng: np.random.Generator) -> None:
    import cv2

    for _ in range(max(1, canvas.w // max(1, canvas.h * 2))):
        z = rng.uniform(g.ROAD[0] + 1.0, g.ROAD[1] - 1.0)
        x = rng.uniform(0, canvas.w)
        cy = ground.row(z)
        rx = 0.35 * ground.ppm(z)
        ry = 0.35 * ground.rows_per_metre(z)
        pad = int(rx) + 3
        h, w = int(2 * ry) + 6, 2 * pad
        mask = np.zeros((h, w), np.uint8)
        cv2.ellipse(mask, (pad * 4, h * 2), (int(rx * 4), int(ry * 4)), 0, 0, 360, 255, -1, cv2.LINE_AA, 2)
        a = mask.astype(np.float32) / 255.0
        ring = np.zeros_like(mask)
        cv2.ellipse(ring, (pad * 4, h * 2), (int(rx * 4 * 0.8), int(ry * 4 * 0.8)), 0, 0, 360, 255, 1, cv2.LINE_AA, 2)
        alb = np.empty((h, w, 3), np.float32)
        alb[:] = (0.20, 0.20, 0.21)
        alb[ring > 0] = (0.36, 0.36, 0.36)
        temp = np.full((h, w), light.t_air + light.d_road - 5.0, np.float32)
        x0, y0 = int(round(x)) - pad, int(round(cy)) - h // 2
        keep_depth = canvas.depth[max(0, y0):y0 + h].copy()
        canvas.blit(x0, y0, a, alb, temp)
        canvas.depth[max(0, y0):y0 + h] = keep_depth
