"""Appearance of people and vehicles: sampled looks, look-alikes, and per-part colour/temperature tables.

A look is a frozen description (sizes, colours, accessories). A part table
turns it into per-label arrays for one lighting: albedo, texture and
shading strength, emission (vehicle lights) and temperature, which the
rasteriser looks up per pixel.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass, replace

import numpy as np

from synth.scene import shapes as s
from synth.scene.lighting import Lighting

RGB = tuple[float, float, float]

JACKETS: tuple[RGB, ...] = ((0.75, 0.10, 0.08), (0.90, 0.45, 0.08), (0.92, 0.80, 0.12), (0.12, 0.30, 0.65),
                            (0.08, 0.12, 0.25), (0.10, 0.10, 0.10), (0.45, 0.45, 0.47), (0.70, 0.62, 0.45),
                            (0.15, 0.40, 0.20), (0.85, 0.85, 0.83), (0.45, 0.15, 0.45), (0.40, 0.25, 0.15))
VIVID_JACKETS: tuple[RGB, ...] = JACKETS[:4] + (JACKETS[8],)
SKINS: tuple[RGB, ...] = ((0.87, 0.70, 0.58), (0.78, 0.58, 0.45), (0.62, 0.44, 0.32), (0.45, 0.31, 0.22),
                          (0.93, 0.78, 0.68))
HAIRS: tuple[RGB, ...] = ((0.08, 0.06, 0.05), (0.25, 0.16, 0.10), (0.50, 0.36, 0.20), (0.75, 0.62, 0.40),
                          (0.55, 0.55, 0.55))
TROUSERS: tuple[RGB, ...] = ((0.15, 0.22, 0.38), (0.10, 0.10, 0.11), (0.35, 0.35, 0.36), (0.55, 0.48, 0.35),
                             (0.25, 0.32, 0.45))
SHOES: tuple[RGB, ...] = ((0.08, 0.08, 0.08), (0.85, 0.85, 0.85), (0.35, 0.22, 0.12))
PAINTS: tuple[RGB, ...] = ((0.92, 0.92, 0.90), (0.65, 0.66, 0.68), (0.08, 0.08, 0.09), (0.35, 0.36, 0.38),
                           (0.62, 0.06, 0.06), (0.10, 0.20, 0.50), (0.10, 0.28, 0.16), (0.90, 0.72, 0.10),
                           (0.45, 0.30, 0.18))
VIVID_PAINTS: tuple[RGB, ...] = (PAINTS[4], PAINTS[5], PAINTS[7], PAINTS[0])
CARGO: tuple[RGB, ...] = ((0.90, 0.90, 0.88), (0.80, 0.80, 0.78), (0.85, 0.78, 0.20))


@dataclass(frozen=True)
class PersonLook:
    height: float
    girth: float
    skin: RGB
    hair: RGB
    jacket: RGB
    trousers: RGB
    shoes: RGB
    bag: RGB
    cap_colour: RGB
    backpack: bool
    long_hair: bool
    cap: bool
    skirt: bool
    insulation: float  # 0 = skin-warm clothes, 1 = air-temperature clothes

    @property
    def half_width(self) -> float:
        """Half the silhouette width in metres, swinging limbs included."""
        return 0.22 * self.height


@dataclass(frozen=True)
class VehicleLook:
    kind: str
    length: float
    height: float
    clearance: float
    wheel_radius: float
    belt: float
    hood: float
    windshield: float
    trunk: float
    rear_window: float
    front_overhang: float
    rear_overhang: float
    paint: RGB
    cargo: RGB
    stripe: RGB
    engine_heat: float

    @property
    def half_width(self) -> float:
        return self.length / 2 + 0.05


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def similar(a: RGB, b: RGB, threshold: float = 0.28) -> bool:
    """Same colour family (close in RGB)."""
    return float(np.linalg.norm(np.subtract(a, b))) < threshold


def _pick_unlike(rng: np.random.Generator, options, avoid: RGB | None):
    pool = [c for c in options if avoid is None or not similar(c, avoid)] or list(options)
    return _pick(rng, pool)


def jitter_colour(rng: np.random.Generator, colour: RGB, hue: float = 0.02, amount: float = 0.08) -> RGB:
    """A colour of the same family: small hue, saturation and value changes."""
    h, sat, v = colorsys.rgb_to_hsv(*colour)
    h = (h + rng.uniform(-hue, hue)) % 1.0
    sat = float(np.clip(sat * rng.uniform(1 - amount, 1 + amount), 0, 1))
    v = float(np.clip(v * rng.uniform(1 - amount, 1 + amount), 0, 1))
    return tuple(float(c) for c in colorsys.hsv_to_rgb(h, sat, v))


def sample_person(rng: np.random.Generator, avoid: RGB | None = None, vivid: bool = False) -> PersonLook:
    skirt = rng.random() < 0.12
    return PersonLook(
        height=float(rng.uniform(1.62, 1.88)), girth=float(rng.uniform(0.9, 1.15)), skin=_pick(rng, SKINS),
        hair=_pick(rng, HAIRS), jacket=_pick_unlike(rng, VIVID_JACKETS if vivid else JACKETS, avoid),
        trousers=_pick(rng, TROUSERS), shoes=_pick(rng, SHOES), bag=_pick(rng, JACKETS[4:8]),
        cap_colour=_pick(rng, JACKETS), backpack=bool(rng.random() < 0.3), long_hair=bool(rng.random() < 0.35),
        cap=bool(rng.random() < 0.15), skirt=skirt, insulation=float(rng.uniform(0.35, 0.6)))


def person_lookalike(rng: np.random.Generator, look: PersonLook) -> PersonLook:
    """Same class, size and colour family as ``look`` (a distractor)."""
    return replace(look, height=float(look.height * rng.uniform(0.97, 1.03)), jacket=jitter_colour(rng, look.jacket),
                   trousers=jitter_colour(rng, look.trousers), skin=_pick(rng, SKINS), hair=_pick(rng, HAIRS),
                   long_hair=bool(rng.random() < 0.35), cap=bool(rng.random() < 0.1))


VEHICLE_KINDS = {
    #         length        height        clear  wheel belt  hood  wshield trunk rear  f_oh  r_oh
    "sedan": ((4.4, 4.8), (1.40, 1.50), 0.14, 0.31, 0.50, 1.05, 0.80, 0.50, 0.60, 0.90, 1.00),
    "hatch": ((3.9, 4.2), (1.45, 1.52), 0.15, 0.30, 0.50, 0.85, 0.80, 0.12, 0.35, 0.80, 0.70),
    "suv": ((4.4, 4.8), (1.65, 1.78), 0.22, 0.36, 0.55, 1.00, 0.65, 0.10, 0.25, 0.90, 0.85),
    "van": ((4.9, 5.3), (1.90, 2.05), 0.18, 0.33, 0.45, 0.55, 0.75, 0.04, 0.08, 0.80, 0.90),
    "truck": ((7.0, 8.0), (3.2, 3.4), 0.30, 0.48, 0.30, 0.90, 0.00, 0.00, 0.00, 1.20, 1.50),
}


def sample_vehicle(rng: np.random.Generator, kind: str | None = None, avoid: RGB | None = None,
                   vivid: bool = False) -> VehicleLook:
    kind = kind or _pick(rng, ("sedan", "sedan", "hatch", "hatch", "suv", "van"))
    (l0, l1), (h0, h1), clear, wheel, belt, hood, ws, trunk, rear, foh, roh = VEHICLE_KINDS[kind]
    return VehicleLook(kind=kind, length=float(rng.uniform(l0, l1)), height=float(rng.uniform(h0, h1)),
                       clearance=clear, wheel_radius=wheel, belt=belt, hood=hood, windshield=ws, trunk=trunk,
                       rear_window=rear, front_overhang=foh, rear_overhang=roh,
                       paint=_pick_unlike(rng, VIVID_PAINTS if vivid else PAINTS, avoid),
                       cargo=_pick(rng, CARGO), stripe=_pick(rng, VIVID_PAINTS[:3]),
                       engine_heat=float(rng.uniform(22, 40)))


def vehicle_lookalike(rng: np.random.Generator, look: VehicleLook) -> VehicleLook:
    return replace(look, length=float(look.length * rng.uniform(0.97, 1.03)),
                   height=float(look.height * rng.uniform(0.98, 1.02)), paint=jitter_colour(rng, look.paint),
                   engine_heat=float(rng.uniform(22, 40)))


@dataclass(frozen=True)
class PartTable:
    """Per-label arrays (label 0 is empty space)."""

    albedo: np.ndarray  # (n, 3)
    texture: np.ndarray  # (n,) relative strength of the actor's texture in the visible image
    gradient: np.ndarray  # (n,) top-lit vertical shading strength
    emission: np.ndarray  # (n, 3)
    temp: np.ndarray  # (n,) degrees C
    temp_texture: np.ndarray  # (n,) degrees C of texture variation


def _table(n: int) -> dict[str, np.ndarray]:
    return {"albedo": np.zeros((n, 3), np.float32), "texture": np.zeros(n, np.float32),
            "gradient": np.full(n, 0.2, np.float32), "emission": np.zeros((n, 3), np.float32),
            "temp": np.zeros(n, np.float32), "temp_texture": np.zeros(n, np.float32)}


def person_table(look: PersonLook, light: Lighting) -> PartTable:
    t = _table(s.PERSON_LABELS)
    ta = light.t_air
    k = 1.0 - look.insulation
    skin_t = 32.0 + 0.1 * (ta - 20.0)
    cloth_t = ta + (33.0 - ta) * k
    legs_t = ta + (32.0 - ta) * k * 0.95
    rows = {
        s.P_FAR_ARM: (np.multiply(look.jacket, 0.72), 0.10, cloth_t - 0.5, 0.5),
        s.P_FAR_HAND: (np.multiply(look.skin, 0.72), 0.03, skin_t - 2.5, 0.3),
        s.P_FAR_LEG: (np.multiply(look.trousers, 0.7), 0.12, legs_t - 0.5, 0.5),
        s.P_FAR_SHOE: (np.multiply(look.shoes, 0.75), 0.05, ta + (30 - ta) * 0.35, 0.3),
        s.P_NEAR_LEG: (look.trousers, 0.12, legs_t, 0.5),
        s.P_NEAR_SHOE: (look.shoes, 0.05, ta + (30 - ta) * 0.35, 0.3),
        s.P_BACKPACK: (look.bag, 0.08, ta + (33 - ta) * 0.25, 0.4),
        s.P_TORSO: (look.jacket, 0.10, cloth_t, 0.6),
        s.P_SKIRT: (look.trousers, 0.08, legs_t - 1.0, 0.5),
        s.P_NECK: (np.multiply(look.skin, 0.85), 0.03, skin_t, 0.2),
        s.P_HEAD: (look.skin, 0.03, skin_t, 0.3),
        s.P_HAIR: (look.hair, 0.15, ta + (33 - ta) * 0.55, 0.5),
        s.P_CAP: (look.cap_colour, 0.06, ta + (33 - ta) * 0.45, 0.3),
        s.P_NEAR_ARM: (np.multiply(look.jacket, 0.95), 0.10, cloth_t - 0.3, 0.5),
        s.P_NEAR_HAND: (look.skin, 0.03, skin_t - 2.0, 0.3),
    }
    for label, (colour, tex, temp, ttex) in rows.items():
        t["albedo"][label] = colour
        t["texture"][label] = tex
        t["temp"][label] = temp + _sun_gain(colour, light) * (0.4 if label in SKIN else 1.0)
        t["temp_texture"][label] = ttex
    return PartTable(**t)


SKIN = (s.P_FAR_HAND, s.P_NEAR_HAND, s.P_NECK, s.P_HEAD)


def _sun_gain(colour, light: Lighting) -> float:
    """Dark surfaces in the sun warm up well above the air (clothes, paint)."""
    return light.solar_heating * (1.0 - float(np.mean(colour)))


SUNLIT_PAINT = (s.V_BODY, s.V_CABIN, s.V_ROOF, s.V_HIGHLIGHT, s.V_CARGO, s.V_STRIPE)


def vehicle_table(look: VehicleLook, light: Lighting) -> PartTable:
    t = _table(s.VEHICLE_LABELS)
    ta = light.t_air
    sunny = light.sun[0] > 0.3
    paint = np.asarray(look.paint, np.float32)
    sky = 0.5 * np.asarray(light.sky_horizon, np.float32) + 0.5 * np.asarray(light.sky_zenith, np.float32)
    glass = 0.55 * np.asarray((0.06, 0.08, 0.10), np.float32) + 0.45 * sky * 0.6
    t_glass = 0.5 * ta + 0.5 * (0.6 * light.t_sky_horizon + 0.4 * light.t_sky_zenith) + 3.0
    body_t = ta + 3.0
    rows = {
        s.V_BODY: (paint, 0.03, 0.3, body_t, 0.4),
        s.V_ENGINE: (paint, 0.03, 0.3, ta + look.engine_heat, 2.0),
        s.V_CABIN: (paint * 1.03, 0.03, 0.35, body_t - 1.0, 0.4),
        s.V_ROOF: (np.clip(paint * 1.15 + 0.05, 0, 1), 0.02, 0.0, ta + (4.0 if sunny else -2.0), 0.3),
        s.V_WINDOW: (glass, 0.04, 0.9, t_glass, 0.4),
        s.V_TRIM: ((0.07, 0.07, 0.08), 0.05, 0.1, ta + 5.0, 0.4),
        s.V_HIGHLIGHT: (np.clip(paint * 1.3 + 0.12, 0, 1), 0.02, 0.0, body_t, 0.3),
        s.V_HEADLIGHT: ((0.85, 0.85, 0.82), 0.02, 0.2, ta + (9.0 if light.lights_on else 3.0), 0.3),
        s.V_TAILLIGHT: ((0.55, 0.05, 0.04), 0.02, 0.2, ta + 4.0, 0.3),
        s.V_ARCH: ((0.04, 0.04, 0.04), 0.02, 0.0, ta + 5.0, 0.5),
        s.V_TYRE: ((0.07, 0.07, 0.075), 0.10, 0.1, ta + 7.0, 0.8),
        s.V_RIM: ((0.58, 0.59, 0.60), 0.04, 0.3, ta + 9.0, 1.0),
        s.V_HUB: ((0.14, 0.14, 0.15), 0.02, 0.0, ta + 12.0, 0.5),
        s.V_EXHAUST: ((0.10, 0.10, 0.10), 0.02, 0.0, ta + 45.0, 3.0),
        s.V_CARGO: (look.cargo, 0.05, 0.15, ta + (3.0 if sunny else 1.0), 0.5),
        s.V_STRIPE: (look.stripe, 0.03, 0.1, ta + (3.0 if sunny else 1.0), 0.3),
    }
    for label, (colour, tex, grad, temp, ttex) in rows.items():
        t["albedo"][label] = colour
        t["texture"][label] = tex
        t["gradient"][label] = grad
        t["temp"][label] = temp + (_sun_gain(colour, light) if label in SUNLIT_PAINT else 0.0)
        t["temp_texture"][label] = ttex
    if light.lights_on:
        level = 1.0 if light.name == "night" else 0.7
        t["emission"][s.V_HEADLIGHT] = np.asarray((2.2, 2.1, 1.9), np.float32) * level
        t["emission"][s.V_TAILLIGHT] = np.asarray((1.3, 0.10, 0.06), np.float32) * level
    return PartTable(**t)
