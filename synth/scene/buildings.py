"""Building facades along the far side of the street, and a hazy skyline behind them.

Each facade is drawn in its own small arrays (plaster or brick texture,
windows with frames and sills, shop fronts with awnings, doors, cornices or
pitched roofs) and then pasted into the periodic world canvas. Windows
reflect the sky: cold in the thermal image, with warm leaks around them at
night and lit panes after dark.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.scene.canvas import WorldCanvas
from synth.scene.ground import Ground
from synth.scene.lighting import Lighting
from synth.scene.textures import fbm

PLASTER = ((0.80, 0.74, 0.60), (0.84, 0.82, 0.77), (0.70, 0.52, 0.42), (0.60, 0.66, 0.68), (0.76, 0.66, 0.46),
           (0.56, 0.57, 0.55), (0.72, 0.72, 0.66))
BRICK = ((0.52, 0.28, 0.20), (0.44, 0.25, 0.19), (0.60, 0.40, 0.30))
ROOFS = ((0.42, 0.20, 0.15), (0.24, 0.25, 0.29), (0.33, 0.22, 0.18))
AWNINGS = ((0.62, 0.10, 0.10), (0.10, 0.34, 0.22), (0.12, 0.22, 0.50), (0.80, 0.55, 0.10))
WINDOW_GLOW = np.asarray((1.0, 0.78, 0.46), np.float32)


@dataclass(frozen=True)
class Facade:
    x0: float  # canvas px (may exceed the width: drawing wraps)
    width_m: float
    height_m: float
    z: float
    colour: tuple[float, float, float]
    brick: bool
    pitched: bool
    shop: bool


def plan_facades(rng: np.random.Generator, canvas_w: int, ppm: float, z: float) -> list[Facade]:
    """Buildings (and gaps between them) filling exactly the canvas width."""
    spans: list[tuple[str, float]] = []
    total = 0.0
    target = canvas_w / ppm
    while total < target:
        if spans and rng.random() < 0.35:
            gap = rng.uniform(2.5, 8.0)
            spans.append(("gap", gap))
            total += gap
        width = rng.uniform(7.0, 17.0)
        spans.append(("building", width))
        total += width
    scale = target / total
    out, x = [], 0.0
    for kind, w_m in spans:
        w_m *= scale
        if kind == "building":
            tall = rng.random() < 0.3
            height = rng.uniform(9.0, 14.0) if tall else rng.uniform(4.2, 6.8)
            brick = rng.random() < 0.3
            palette = BRICK if brick else PLASTER
            out.append(Facade(x, w_m, height, z + rng.uniform(0.0, 2.0), palette[int(rng.integers(len(palette)))],
                              brick, (not tall) and rng.random() < 0.5, rng.random() < 0.4))
        x += w_m * ppm
    return out


def draw_facade(canvas: WorldCanvas, f: Facade, ground: Ground, light: Lighting, rng: np.random.Generator) -> None:
    ppm = ground.ppm(f.z)
    base = ground.row(f.z)
    roof_h = 2.0 if f.pitched else 0.0
    top = base - (f.height_m + roof_h) * ppm
    y0 = int(np.floor(top))
    h = int(np.ceil(base)) - y0
    w = max(2, int(round(f.width_m * ppm)))
    if h <= 2:
        return
    rows = (base - (np.arange(h) + y0 + 0.5)) / ppm  # metres above ground of each row
    t_wall = light.t_air + light.d_facade
    albedo = np.empty((h, w, 3), np.float32)
    albedo[:] = f.colour
    noise = fbm(rng, h, w, max(2.0, 1.5 * ppm), octaves=4)
    albedo *= (1.0 + 0.06 * noise)[..., None]
    if f.brick:
        course = (np.floor(rows / 0.3) % 2).astype(np.float32)
        albedo *= (0.97 + 0.03 * course)[:, None, None]
        albedo[(rows % 0.3) < 0.05] *= 0.82
    temp = np.full((h, w), t_wall, np.float32) + 0.35 * noise
    emission = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    body = rows <= f.height_m
    alpha[body] = 1.0
    # darker bottom (splash) and cornice
    albedo[rows < 0.5] *= 0.8
    cornice = (rows > f.height_m - 0.35) & body
    albedo[cornice] *= 0.78 if f.colour[0] > 0.5 else 1.25
    temp[cornice] += light.d_roof * 0.3
    def px(m: float) -> int:
        return int(round(m * ppm))
    def row_of(m: float) -> int:
        return int(round(base - m * ppm)) - y0
    floors = max(1, int((f.height_m - 0.7) // 3.0))
    spacing = rng.uniform(2.5, 3.2)
    cols = max(1, int((f.width_m - 1.0) // spacing))
    margin = (f.width_m - cols * spacing) / 2
    glass_day = (0.55 * np.asarray(light.sky_horizon) + 0.45 * np.asarray(light.sky_zenith)) * 0.55
    t_glass = 0.45 * t_wall + 0.55 * (0.7 * light.t_sky_horizon + 0.3 * light.t_sky_zenith)
    start_floor = 1 if f.shop else 0
    for k in range(start_floor, floors):
        sill = 3.0 * k + (0.95 if k else 0.9) + (0.4 if f.shop else 0.0)
        if sill + 1.5 > f.height_m - 0.3:
            break
        for c in range(cols):
            cx = margin + (c + 0.5) * spacing
            lit = light.lights_on and rng.random() < light.window_lit
            _window(albedo, temp, emission, px(cx - 0.6), row_of(sill + 1.5), px(cx + 0.6), row_of(sill),
                    ppm, glass_day, t_glass, t_wall, light, lit, rng)
    if f.shop:
        _shop(albedo, temp, emission, w, ppm, row_of, glass_day, t_glass, t_wall, light, rng)
    else:
        dx = px(margin + 0.3)
        albedo[row_of(2.1):row_of(0.0), dx:dx + px(1.0)] = (0.25, 0.17, 0.12)
        temp[row_of(2.1):row_of(0.0), dx:dx + px(1.0)] = t_wall + 1.0
    # downpipe at one edge
    pipe = px(0.1) if rng.random() < 0.5 else w - px(0.25)
    albedo[row_of(f.height_m):, pipe:pipe + max(1, px(0.1))] *= 0.7
    if f.pitched:
        _roof(albedo, temp, alpha, rows, f, w, ppm, light, rng)
    # edge darkening so neighbours read as separate buildings
    edge = max(1, px(0.15))
    albedo[:, :edge] *= 0.85
    albedo[:, w - edge:] *= 0.85
    canvas.blit(int(round(f.x0)), y0, alpha, albedo, temp, emission, depth=f.z, base_row=base, ppm=ppm)


def _window(albedo, temp, emission, x0, y0, x1, y1, ppm, glass_day, t_glass, t_wall, light, lit, rng) -> None:
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    fr = max(1, int(round(0.08 * ppm)))
    if light.lights_on:  # warm leak around the frame after dark
        leak = max(1, int(round(0.25 * ppm)))
        temp[max(0, y0 - leak):y1 + leak, max(0, x0 - leak):x1 + leak] += 0.8 if light.name == "night" else 0.4
    albedo[y0:y1, x0:x1] = (0.88, 0.87, 0.84) if rng.random() < 0.6 else (0.25, 0.24, 0.23)
    temp[y0:y1, x0:x1] = t_wall + 0.4
    gy0, gy1, gx0, gx1 = y0 + fr, y1 - fr, x0 + fr, x1 - fr
    if gy1 <= gy0 or gx1 <= gx0:
        return
    grad = np.linspace(1.15, 0.75, gy1 - gy0, dtype=np.float32)[:, None, None]
    tint = rng.uniform(0.75, 1.15)
    albedo[gy0:gy1, gx0:gx1] = np.asarray(glass_day, np.float32) * grad * tint
    temp[gy0:gy1, gx0:gx1] = t_glass + rng.uniform(-0.5, 0.5)
    if lit:
        glow = WINDOW_GLOW * rng.uniform(0.45, 1.0) * (1.0 if light.name == "night" else 0.7)
        curtain = 0.75 + 0.25 * np.sin(np.linspace(0, rng.uniform(3, 12), gx1 - gx0, dtype=np.float32))
        emission[gy0:gy1, gx0:gx1] = glow[None, None, :] * curtain[None, :, None]
        albedo[gy0:gy1, gx0:gx1] *= 0.3
        temp[gy0:gy1, gx0:gx1] += 2.0
    # mullion and sill
    mid = (gx0 + gx1) // 2
    albedo[gy0:gy1, mid:mid + max(1, fr // 2)] = albedo[y0, x0]
    albedo[y1:y1 + fr, max(0, x0 - fr):x1 + fr] = (0.78, 0.77, 0.74)


def _shop(albedo, temp, emission, w, ppm, row_of, glass_day, t_glass, t_wall, light, rng) -> None:
    x0, x1 = int(0.06 * w), int(0.94 * w)
    y0, y1 = row_of(2.8), row_of(0.45)
    albedo[y0:y1, x0:x1] = (0.20, 0.20, 0.21)
    fr = max(1, int(round(0.1 * ppm)))
    gy0, gy1, gx0, gx1 = y0 + fr, y1 - fr, x0 + fr, x1 - fr
    if gy1 > gy0 and gx1 > gx0:
        display = fbm(rng, gy1 - gy0, gx1 - gx0, max(2.0, 0.5 * ppm), octaves=2)
        grad = np.linspace(1.1, 0.7, gy1 - gy0, dtype=np.float32)[:, None, None]
        xs = np.arange(gx1 - gx0, dtype=np.float32)
        streaks = 1.0 + 0.25 * np.maximum(0, np.sin(xs / max(2.0, 0.9 * ppm) + rng.uniform(0, 6))) ** 8
        albedo[gy0:gy1, gx0:gx1] = (np.asarray(glass_day, np.float32) * grad * streaks[None, :, None]
                                    * (0.95 + 0.04 * display[..., None]))
        temp[gy0:gy1, gx0:gx1] = t_glass + 1.0
        if light.lights_on:
            glow = np.asarray((1.0, 0.9, 0.75), np.float32) * (0.9 if light.name == "night" else 0.55)
            emission[gy0:gy1, gx0:gx1] = glow * _shop_interior(rng, gy1 - gy0, gx1 - gx0, ppm)
            temp[gy0:gy1, gx0:gx1] += 2.5
        door = int(rng.uniform(0.15, 0.75) * (gx1 - gx0)) + gx0
        albedo[row_of(2.3):y1, door:door + int(1.0 * ppm)] = (0.12, 0.12, 0.13)
    colour = np.asarray(AWNINGS[int(rng.integers(len(AWNINGS)))], np.float32)
    ay0, ay1 = row_of(3.35), row_of(2.85)
    stripes = (np.arange(x1 - x0) // max(2, int(0.35 * ppm))) % 2
    band = np.where(stripes[:, None] == 0, colour, np.float32(0.9) * np.ones(3, np.float32))
    albedo[ay0:ay1, x0:x1] = band[None, :, :] * np.linspace(1.0, 0.8, max(1, ay1 - ay0), dtype=np.float32)[:, None, None]
    temp[ay0:ay1, x0:x1] = t_wall + 1.5
    # sign board
    sy0, sy1 = row_of(3.9), row_of(3.45)
    albedo[sy0:sy1, int(0.2 * w):int(0.8 * w)] = colour * 0.6 + 0.35


def _shop_interior(rng: np.random.Generator, h: int, w: int, ppm: float) -> np.ndarray:
    """Relative light of a lit shop seen through its window: shelves with goods, brighter near the top."""
    out = np.ones((h, w, 3), np.float32)
    out *= np.linspace(1.0, 0.7, h, dtype=np.float32)[:, None, None]
    shelf = max(2, int(0.45 * ppm))
    for y in range(int(0.35 * h), h - 1, shelf):
        out[y:y + max(1, shelf // 6)] *= 0.45
        x = int(rng.integers(0, max(1, shelf)))
        while x < w - 2:
            bw = int(rng.integers(max(2, shelf // 3), max(3, shelf)))
            colour = np.asarray(rng.uniform(0.35, 1.0, 3), np.float32)
            out[max(0, y - shelf // 2):y, x:x + bw] *= colour
            x += bw + int(rng.integers(1, max(2, shelf // 2)))
    return out


def _roof(albedo, temp, alpha, rows, f: Facade, w, ppm, light, rng) -> None:
    colour = np.asarray(ROOFS[int(rng.integers(len(ROOFS)))], np.float32)
    above = rows - f.height_m
    in_roof = (above > 0) & (above < 2.0)
    inset = (above / 2.0) * 1.4 * ppm  # the ridge is set back, so the roof narrows upwards
    xs = np.arange(w, dtype=np.float32)[None, :]
    mask = in_roof[:, None] & (xs >= inset[:, None] - 0.3 * ppm) & (xs <= w - inset[:, None] + 0.3 * ppm)
    tiles = 0.9 + 0.1 * ((np.floor(above / 0.25) % 2)[:, None] * np.ones((1, w), np.float32))
    albedo[mask] = (colour[None, None, :] * tiles[..., None])[mask]
    temp[mask] = light.t_air + light.d_roof
    alpha[mask] = 1.0
    if rng.random() < 0.6:  # chimney
        cx = int(rng.uniform(0.25, 0.75) * w)
        cw = max(2, int(0.5 * ppm))
        sel = (above > 0.5) & (above < 3.0)
        albedo[sel, cx:cx + cw] = (0.45, 0.30, 0.25)
        alpha[sel, cx:cx + cw] = 1.0
        temp[sel, cx:cx + cw] = light.t_air + 6.0


def draw_skyline(canvas: WorldCanvas, ground: Ground, light: Lighting, rng: np.random.Generator, z: float) -> None:
    """Distant blocks fading into the horizon colour (and the horizon temperature)."""
    ppm = ground.ppm(z)
    base = ground.row(z)
    x = 0.0
    haze = np.asarray(light.sky_horizon, np.float32)
    t_far = 0.5 * (light.t_air + light.d_facade) + 0.5 * light.t_sky_horizon
    while x < canvas.w:
        width = rng.uniform(10, 30) * ppm
        if rng.random() < 0.25:
            x += width
            continue
        height = rng.uniform(8, 34) if rng.random() < 0.3 else rng.uniform(6, 16)
        top = base - height * ppm
        grey = rng.uniform(0.35, 0.6)
        colour = np.asarray((grey, grey * 0.98, grey * 1.02), np.float32) * (1 - light.haze) + haze * light.haze * 0.9
        h = int(np.ceil(base) - np.floor(top))
        wi = int(np.ceil(width))
        if h > 1 and wi > 1:
            alb = np.empty((h, wi, 3), np.float32)
            alb[:] = colour
            em = np.zeros_like(alb)
            step_y, step_x = max(2, int(3.2 * ppm)), max(2, int(2.8 * ppm))
            win = np.zeros((h, wi), bool)
            win[step_y // 2::step_y, step_x // 2::step_x] = True
            if step_y > 3:
                win[step_y // 2 + 1::step_y, step_x // 2::step_x] = True
            if light.lights_on:
                lit = win & (rng.random((h, wi)) < light.window_lit * 0.8)
                em[lit] = WINDOW_GLOW * (0.6 if light.name == "night" else 0.35)
            alb[win] *= 0.8
            canvas.blit(int(round(x)), int(np.floor(top)), np.ones((h, wi), np.float32), alb,
                        np.full((h, wi), t_far, np.float32), em, depth=z, base_row=base, ppm=ppm)
        x += width + rng.uniform(0, 6) * ppm
