"""The template and search crops the tracker looked at, recomputed for display.

They follow the tracker's geometry (``docs/ARCHITECTURE.md``, Crops): the
template is the ``context_size`` square around the box resized to
``exemplar_size``; the search crop of scale ``s`` is ``context_size *
instance/exemplar * growth * factor[s]`` resized to ``instance_size``, both
centred on the reference-coordinate centre mapped into the modality's image.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.geometry import context_size, crop_resize
from tracker.config import TrackerConfig
from tracker.mapping import ModalityMapping


@dataclass(frozen=True)
class CropGeometry:
    """The tracker state a crop depends on: centre and size (visible coordinates) and search growth."""

    center: tuple[float, float]
    size: tuple[float, float]
    growth: float = 1.0

    @classmethod
    def of(cls, state) -> "CropGeometry":
        """Snapshot of a :class:`tracker.tracker.TrackState`."""
        return cls((float(state.center[0]), float(state.center[1])), (float(state.size[0]), float(state.size[1])),
                   float(state.growth))


def template_crop(image: np.ndarray, modality: str, geometry: CropGeometry, config: TrackerConfig,
                  mapping: ModalityMapping) -> np.ndarray:
    """The ``exemplar_size`` square the template of ``modality`` is encoded from."""
    k = mapping.scale_to(modality, geometry.center)
    side = context_size(*geometry.size, config.context) * k
    return crop_resize(image, mapping.point_to(modality, geometry.center), side, config.exemplar_size)


def search_crop(image: np.ndarray, modality: str, geometry: CropGeometry, config: TrackerConfig,
                mapping: ModalityMapping, scale_index: int) -> np.ndarray:
    """The ``instance_size`` search crop of pyramid level ``scale_index``."""
    factors = config.scale_factors
    factor = factors[int(np.clip(scale_index, 0, len(factors) - 1))]
    base = context_size(*geometry.size, config.context) * config.instance_size / config.exemplar_size
    k = mapping.scale_to(modality, geometry.center)
    side = base * geometry.growth * factor * k
    return crop_resize(image, mapping.point_to(modality, geometry.center), side, config.instance_size)
