"""The sky: a colour gradient with fBm clouds (and a low-sun glow at dusk); cold in the thermal image.

The clear sky's apparent temperature falls from the horizon towards the
zenith; clouds are much warmer than clear sky.
"""
from __future__ import annotations

import numpy as np

from synth.scene.canvas import WorldCanvas
from synth.scene.ground import Ground
from synth.scene.lighting import Lighting
from synth.scene.textures import fbm, smoothstep


def draw_sky(canvas: WorldCanvas, ground: Ground, light: Lighting, rng: np.random.Generator) -> None:
    h, w = canvas.h, canvas.w
    rows = int(min(h, np.ceil(ground.horizon + 2)))
    if rows <= 0:
        return
    r = np.arange(rows, dtype=np.float32) + 0.5
    elev = np.clip((ground.horizon - r) / ground.focal, 0.0, None)  # ~ tangent of the elevation angle
    t = (1.0 - np.exp(-elev * 3.5))[:, None, None]
    zen, hor = np.asarray(light.sky_zenith, np.float32), np.asarray(light.sky_horizon, np.float32)
    colour = hor * (1 - t) + zen * t
    colour = np.broadcast_to(colour, (rows, w, 3)).copy()
    clouds = fbm(rng, rows, w, max(4.0, 0.35 * ground.view_height), octaves=5, stretch=3.5, periodic=True)
    cover = smoothstep(1.2 - 2.2 * light.cloud_cover, 2.0 - 2.2 * light.cloud_cover, clouds)
    cover *= smoothstep(0.0, 0.08, elev)[:, None]  # thin out towards the horizon
    cloud_rgb = np.asarray(light.cloud, np.float32) * (0.82 + 0.18 * np.clip(clouds, -1, 2)[..., None] / 2)
    if light.name == "dusk":  # undersides lit by the low sun
        cloud_rgb = cloud_rgb * (1.0 + 0.25 * (1 - t))
    colour = colour * (1 - cover[..., None]) + cloud_rgb * cover[..., None]
    if light.sun_glow > 0:
        sx = rng.uniform(0, w)
        dx = (np.arange(w, dtype=np.float32) - sx + w / 2) % w - w / 2
        dist = np.sqrt((dx[None, :] / ground.view_height) ** 2 + (elev[:, None] * 1.2) ** 2)
        glow = light.sun_glow * np.exp(-dist / 0.35)
        colour += glow[..., None] * np.asarray((1.0, 0.7, 0.4), np.float32)
    t_sky = light.t_sky_horizon + (light.t_sky_zenith - light.t_sky_horizon) * t[..., 0]
    temp = np.broadcast_to(t_sky, (rows, w)) * (1 - 0.75 * cover) + (light.t_air - 6.0) * 0.75 * cover
    canvas.emission[:rows] = colour
    canvas.albedo[:rows] = 0.0
    canvas.temp[:rows] = temp
    canvas.depth[:rows] = np.inf
