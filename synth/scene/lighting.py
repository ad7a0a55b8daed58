"""Day, dusk and night: sky, sun, shadows, street lamps and the matching temperatures.

Visible colours are albedo x illumination + emission, in display units where
1.0 is white. Temperatures are in degrees Celsius; the thermal sensor maps
them to grey levels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Lighting:
    """Everything that changes between day, dusk and night."""

    name: str
    sky_zenith: RGB
    sky_horizon: RGB
    cloud: RGB
    cloud_cover: float
    ambient: RGB  # skylight on every surface
    sun: RGB  # direct light on sunlit surfaces
    sun_glow: float  # brightness of the glow around the (unseen) low sun
    shadow_length: float  # ground shadow length per metre of object height
    shadow_side: float  # shadow direction: +1 falls to the right
    shadow_depth: float  # how far shadows fall towards the camera (per metre of their length)
    shadow_softness: float  # penumbra in metres
    lights_on: bool  # street lamps, lit windows, vehicle lights
    lamp: RGB  # street lamp colour x intensity
    window_lit: float  # fraction of lit windows
    headlight: float  # brightness of headlight beams
    visible_noise: float  # grey levels (sigma) of the visible sensor
    exposure: float
    haze: float  # how much distant buildings fade into the horizon colour
    t_air: float  # air temperature (C)
    t_sky_zenith: float  # apparent temperature of the clear sky overhead
    t_sky_horizon: float
    d_road: float  # temperature offsets from the air
    d_sidewalk: float
    d_facade: float
    d_roof: float
    d_vegetation: float
    d_grass: float

    @property
    def illumination(self) -> np.ndarray:
        return np.asarray(self.ambient, np.float32) + np.asarray(self.sun, np.float32)

    @property
    def solar_heating(self) -> float:
        """Degrees C a black surface facing the sun gains over the air (0 without sun)."""
        return 9.0 * float(self.sun[0]) / 0.62

    @property
    def shadow_tint(self) -> np.ndarray:
        """Per-channel factor of a fully shadowed surface (ambient only / ambient + sun)."""
        return np.asarray(self.ambient, np.float32) / np.maximum(self.illumination, 1e-6)


PROFILES: dict[str, Lighting] = {
    "day": Lighting(
        name="day", sky_zenith=(0.30, 0.50, 0.84), sky_horizon=(0.72, 0.82, 0.93), cloud=(0.97, 0.97, 0.98),
        cloud_cover=0.45, ambient=(0.42, 0.45, 0.52), sun=(0.62, 0.58, 0.50), sun_glow=0.0,
        shadow_length=0.7, shadow_side=1.0, shadow_depth=1.2, shadow_softness=0.12, lights_on=False, lamp=(0.0, 0.0, 0.0),
        window_lit=0.0, headlight=0.0, visible_noise=1.2, exposure=1.0, haze=0.35,
        t_air=21.0, t_sky_zenith=-22.0, t_sky_horizon=6.0, d_road=11.0, d_sidewalk=6.0, d_facade=4.0,
        d_roof=14.0, d_vegetation=1.0, d_grass=3.0),
    "dusk": Lighting(
        name="dusk", sky_zenith=(0.20, 0.24, 0.46), sky_horizon=(0.98, 0.60, 0.36), cloud=(0.86, 0.52, 0.46),
        cloud_cover=0.5, ambient=(0.30, 0.28, 0.36), sun=(0.36, 0.22, 0.10), sun_glow=0.35,
        shadow_length=1.8, shadow_side=1.0, shadow_depth=0.35, shadow_softness=0.35, lights_on=True, lamp=(0.85, 0.62, 0.36),
        window_lit=0.3, headlight=0.45, visible_noise=2.2, exposure=1.05, haze=0.45,
        t_air=16.0, t_sky_zenith=-28.0, t_sky_horizon=2.0, d_road=6.0, d_sidewalk=3.0, d_facade=3.0,
        d_roof=-2.0, d_vegetation=-1.5, d_grass=-1.0),
    "night": Lighting(
        name="night", sky_zenith=(0.010, 0.014, 0.035), sky_horizon=(0.10, 0.08, 0.09), cloud=(0.09, 0.08, 0.09),
        cloud_cover=0.35, ambient=(0.040, 0.045, 0.070), sun=(0.0, 0.0, 0.0), sun_glow=0.0,
        shadow_length=0.0, shadow_side=1.0, shadow_depth=0.0, shadow_softness=0.3, lights_on=True, lamp=(1.35, 0.98, 0.58),
        window_lit=0.42, headlight=1.0, visible_noise=4.0, exposure=1.25, haze=0.2,
        t_air=10.0, t_sky_zenith=-35.0, t_sky_horizon=-4.0, d_road=4.0, d_sidewalk=1.0, d_facade=2.0,
        d_roof=-4.0, d_vegetation=-1.5, d_grass=-3.0),
}


@dataclass(frozen=True)
class Lamp:
    """A street lamp: its head hangs ``height`` m above the ground point (``x`` canvas px, depth ``z``)."""

    x: float
    z: float
    height: float


def lamp_light(lamps: list[Lamp], ppm_at, x: np.ndarray, height: np.ndarray, z: np.ndarray,
               period: float, reach: float = 7.0) -> np.ndarray:
    """Relative lamp illuminance (1 = right under a lamp) at points given in canvas x, metres up, depth.

    ``ppm_at(z)`` converts canvas px to metres at depth z; x wraps with ``period``.
    """
    out = np.zeros(np.broadcast(x, height, z).shape, np.float32)
    for lamp in lamps:
        dx_px = (x - lamp.x + period / 2) % period - period / 2
        dx = dx_px / ppm_at(z)
        d2 = dx * dx + (height - lamp.height) ** 2 + (z - lamp.z) ** 2
        # inverse-square with a soft core, plus a reach falloff so far lamps add nothing
        out += (lamp.height ** 2 / (d2 + 1.0)) * np.exp(-d2 / (2 * reach * reach))
    return out
