"""The street seen across by a pole-mounted camera: depth <-> canvas row, pixels per metre, layout.

The camera stands ``CAMERA_HEIGHT`` metres above the near sidewalk and looks
across the street. A ground point at depth ``z`` metres lies on canvas row
``horizon + focal * CAMERA_HEIGHT / z`` and an object standing there is drawn
``focal / z`` pixels per metre. Every size scales with the view height, so
the same scene renders at any resolution.

Depths of the street bands, near to far (metres from the camera)::

    near sidewalk 4.6-7.0 | curb | road 7.25-14.6 (near lane -> right, far lane -> left)
    | curb | far sidewalk 14.8-18 | verge with trees and lamps | buildings from 29
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAMERA_HEIGHT = 2.85  # metres
HORIZON = 0.30  # horizon row as a fraction of the view height below the view top
FOCAL = 1.35  # focal length in view heights

NEAR_SIDEWALK = (4.6, 7.0)
NEAR_CURB = (7.0, 7.25)
ROAD = (7.25, 14.6)
FAR_CURB = (14.6, 14.8)
FAR_SIDEWALK = (14.8, 18.0)
VERGE = (18.0, 29.0)
BUILDINGS_Z = 29.0
SKYLINE_Z = 55.0
CENTER_LINE = 10.9
EDGE_LINES = (7.6, 14.25)
PROP_Z = 7.12  # street furniture on the near curb
FAR_LAMP_Z = 18.4
TREE_Z = 21.0
HEDGE_Z = 18.6
LANES = {"near": (9.0, +1), "far": (12.8, -1)}  # depth and driving direction (+1 = right)
WALK_ZONES = {"far": (15.3, 17.4), "near": (5.3, 6.5)}
TARGET_WALK_Z = 15.6
CURB_FACE = 0.13  # metres of the far curb's face seen from the camera


@dataclass(frozen=True)
class Ground:
    """Projection of the ground plane onto the world canvas (rows grow downwards)."""

    view_height: int
    top: float  # canvas row of the top of the nominal (unpanned, unzoomed) view

    @property
    def horizon(self) -> float:
        return self.top + HORIZON * self.view_height

    @property
    def focal(self) -> float:
        return FOCAL * self.view_height

    def row(self, z):
        """Canvas row of the ground at depth ``z`` metres."""
        return self.horizon + self.focal * CAMERA_HEIGHT / z

    def depth(self, row):
        """Depth in metres of the ground seen on canvas ``row`` (rows above the horizon give inf)."""
        d = np.asarray(row, dtype=np.float64) - self.horizon
        with np.errstate(divide="ignore"):
            return np.where(d > 1e-6, self.focal * CAMERA_HEIGHT / np.maximum(d, 1e-6), np.inf)

    def ppm(self, z):
        """Pixels per metre of an upright object (or a lateral distance) at depth ``z``."""
        return self.focal / z

    def rows_per_metre(self, z):
        """Canvas rows per metre of depth on the ground at depth ``z`` (foreshortening)."""
        return self.focal * CAMERA_HEIGHT / (z * z)
