"""Cached sprites of rigid actors (vehicles): rasterised once per look and side, warped every frame.

A vehicle's body never changes shape, so it is drawn once (supersampled)
in its own pixel frame, with unit illumination and its lights kept apart.
Each frame warps the cached sprite through the exact local-to-image affine
map, scales the colour by the light falling on the vehicle there, adds the
lights, and paints the turning wheel hubs, the only moving parts.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

import cv2
import numpy as np

from synth.scene.actors import TEXTURE_RES, Actor
from synth.scene.looks import PartTable
from synth.scene.raster import Shading, Sprite, rasterize
from synth.scene.shapes import V_HUB

MAX_ENTRIES = 24


@dataclass
class _Entry:
    rgbt: np.ndarray  # (h, w, 4) colour under unit light and temperature, premultiplied
    lights: np.ndarray | None  # (h, w, 4) premultiplied emission (temperature channel 0)
    alpha: np.ndarray
    a0: np.ndarray  # local metres -> cache pixels
    b0: np.ndarray


class RigidCache:
    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()

    def sprite(self, actor: Actor, lap: int, facing: int, ppm: float, local: list, table: PartTable,
               a_img: np.ndarray, b_img: np.ndarray, illumination: np.ndarray, frame: tuple[int, int],
               margin: int | None) -> Sprite | None:
        """The actor's sprite in the image, where (a_img, b_img) maps its local metres to image pixels."""
        key = (actor.ident, lap, facing, round(ppm, 4))
        entry = self.entries.get(key)
        if entry is None:
            entry = self._build(actor, facing, ppm, local, table)
            self.entries[key] = entry
            if len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        warp = a_img @ np.linalg.inv(entry.a0)
        shift = b_img - warp @ entry.b0
        h, w = entry.alpha.shape
        corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64) @ warp.T + shift
        x0, y0 = int(np.floor(corners[:, 0].min())) - 1, int(np.floor(corners[:, 1].min())) - 1
        x1, y1 = int(np.ceil(corners[:, 0].max())) + 1, int(np.ceil(corners[:, 1].max())) + 1
        if margin is not None:
            x0, y0 = max(x0, -margin), max(y0, -margin)
            x1, y1 = min(x1, frame[0] + margin), min(y1, frame[1] + margin)
        if x1 <= x0 or y1 <= y0:
            return None
        m = np.concatenate([warp, (warp @ [0.5, 0.5] + shift - [x0 + 0.5, y0 + 0.5])[:, None]], axis=1)
        size = (x1 - x0, y1 - y0)
        args = dict(flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        rgbt = cv2.warpAffine(entry.rgbt, m, size, **args)
        alpha = cv2.warpAffine(entry.alpha, m, size, **args)
        rgbt *= np.append(illumination, 1.0).astype(np.float32)
        if entry.lights is not None:
            rgbt += cv2.warpAffine(entry.lights, m, size, **args)
        hubs = [poly for lab, poly in local if lab == V_HUB]
        if hubs:
            colour = tuple(float(v) for v in (*(table.albedo[V_HUB] * illumination), table.temp[V_HUB]))
            pts = [np.round((p @ a_img.T + b_img - (x0, y0) - 0.5) * 8).astype(np.int32) for p in hubs]
            for q in pts:
                cv2.fillPoly(rgbt, [q], colour, cv2.LINE_8, shift=3)
        return Sprite(x0, y0, rgbt, alpha)

    @staticmethod
    def _build(actor: Actor, facing: int, ppm: float, local: list, table: PartTable) -> _Entry:
        a0 = np.diag([facing * ppm, -ppm])
        body = [(lab, poly) for lab, poly in local if lab != V_HUB]
        pts = np.concatenate([p for _, p in body]) @ a0.T
        b0 = -pts.min(axis=0) + 2.0
        parts = [(lab, poly @ a0.T + b0) for lab, poly in body]
        ex0, _, ey1 = actor.extent
        res = TEXTURE_RES
        tex_affine = np.concatenate([a0 @ np.diag([1 / res, -1 / res]),
                                     (a0 @ np.array([ex0 + 0.5 / res, ey1 - 0.5 / res]) + b0)[:, None]], axis=1)
        dark = replace(table, emission=np.zeros_like(table.emission))
        base = rasterize(parts, dark, Shading(np.ones(3, np.float32)), actor.texture, tex_affine, (0, 0), None,
                         supersample=2, supersample_area=10 ** 9)
        lights = None
        glowing = [(lab, poly) for lab, poly in parts if table.emission[lab].any()]
        if glowing:
            only = replace(table, albedo=np.zeros_like(table.albedo), temp=np.zeros_like(table.temp),
                           texture=np.zeros_like(table.texture), temp_texture=np.zeros_like(table.temp_texture))
            lit = rasterize(glowing, only, Shading(np.ones(3, np.float32), edge_cooling=0.0), actor.texture,
                            tex_affine, (0, 0), None, supersample=2, supersample_area=10 ** 9)
            lights = np.zeros_like(base.rgbt)
            oy, ox = lit.y0 - base.y0, lit.x0 - base.x0
            lh, lw = lit.alpha.shape
            lights[oy:oy + lh, ox:ox + lw, :3] = lit.rgbt[..., :3]
        return _Entry(base.rgbt, lights, base.alpha, a0, b0 - (base.x0, base.y0))
