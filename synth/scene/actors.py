"""Moving actors: people and vehicles with a path, a look (per lap for looping traffic) and a texture.

Background actors loop around the periodic world; when the camera never
sees the seam, each lap gets a new look, so traffic does not visibly repeat.
The target, its look-alike distractors and the planned occluding truck do
not loop: they pass once, as planned.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from synth.scene import looks as lk
from synth.scene.lighting import Lighting
from synth.scene.motion import Path
from synth.scene.shapes import Part, person_parts, vehicle_parts
from synth.scene.textures import fbm

TEXTURE_RES = 40.0  # texture pixels per metre
PERSON_EXTENT = (-0.7, 0.7, 2.2)  # x min, x max, y max (metres)
VEHICLE_EXTENT = (-4.6, 4.6, 3.6)


@dataclass
class Actor:
    ident: int
    kind: str  # "person" or "vehicle"
    role: str  # "target", "distractor", "occluder" or "background"
    path: Path
    look: object
    looping: bool = False
    loop_periods: int = 1  # a looping actor's lap is this many canvas widths; it is away (not drawn) for all
    #                        but the first, so traffic does not come round too often
    lap_seed: int | None = None  # new look per lap when set
    avoid: tuple[float, float, float] | None = None  # colour family that lap looks avoid
    texture: np.ndarray = field(default=None, repr=False)
    _tables: dict = field(default_factory=dict, repr=False)
    _looks: dict = field(default_factory=dict, repr=False)

    @property
    def extent(self) -> tuple[float, float, float]:
        return PERSON_EXTENT if self.kind == "person" else VEHICLE_EXTENT

    def look_for_lap(self, lap: int):
        if self.lap_seed is None or lap == 0:
            return self.look
        if lap not in self._looks:
            rng = np.random.default_rng([self.lap_seed, self.ident, lap + 10_000])
            if self.kind == "person":
                self._looks[lap] = lk.sample_person(rng, avoid=self.avoid)
            else:
                self._looks[lap] = lk.sample_vehicle(rng, avoid=self.avoid)
        return self._looks[lap]

    def table(self, lap: int, light: Lighting) -> lk.PartTable:
        look = self.look_for_lap(lap)
        key = id(look)
        if key not in self._tables:
            make = lk.person_table if self.kind == "person" else lk.vehicle_table
            self._tables[key] = (look, make(look, light))
        return self._tables[key][1]

    def facing(self, time: float) -> int:
        """+1 facing right, -1 facing left: the direction of the current (or last) movement."""
        v = self.path.velocity(time)
        if v != 0:
            return 1 if v > 0 else -1
        past = [i for i in range(len(self.path.t) - 1) if self.path.t[i + 1] <= time
                and self.path.x[i + 1] != self.path.x[i]]
        i = past[-1] if past else next((i for i in range(len(self.path.t) - 1)
                                        if self.path.x[i + 1] != self.path.x[i]), 0)
        return 1 if len(self.path.x) < 2 or self.path.x[i + 1] >= self.path.x[i] else -1

    def parts(self, time: float, lap: int, ppm: float) -> list[Part]:
        look = self.look_for_lap(lap)
        metres = self.path.metres_at(time)
        if self.kind == "person":
            speed = abs(self.path.velocity(time)) / ppm
            stride = 1.45 * look.height / 1.75
            return person_parts(look, 2 * math.pi * metres / stride, float(np.clip(speed / 1.1, 0.0, 1.0)))
        return vehicle_parts(look, -metres / look.wheel_radius)

    def half_width(self, lap: int = 0) -> float:
        return self.look_for_lap(lap).half_width


def make_texture(rng: np.random.Generator, kind: str) -> np.ndarray:
    """The actor's own fBm (cloth folds, dirt), in local metres at TEXTURE_RES px per metre."""
    x0, x1, y1 = PERSON_EXTENT if kind == "person" else VEHICLE_EXTENT
    w = int(math.ceil((x1 - x0) * TEXTURE_RES))
    h = int(math.ceil(y1 * TEXTURE_RES))
    cell = 0.25 * TEXTURE_RES if kind == "person" else 0.6 * TEXTURE_RES
    return fbm(rng, h, w, cell, octaves=4)
