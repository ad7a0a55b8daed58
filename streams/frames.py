"""The unit that flows from sources to the tracker: one visible/IR frame pair."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODALITIES = ("visible", "infrared")


@dataclass(frozen=True, eq=False)
class FramePair:
    """A visible and an infrared frame taken at (about) the same moment.

    ``visible`` is ``H×W×3`` uint8 **RGB** (converted from OpenCV's BGR at the
    reader), ``infrared`` is ``H×W`` uint8. Either may be ``None`` when that
    stream has no frame for this moment. The two may differ in resolution.
    Timestamps are seconds from the start of each stream, or ``None`` when the
    source has no clock (then ``index`` orders the frames).
    """

    index: int
    visible: np.ndarray | None
    infrared: np.ndarray | None
    t_visible: float | None = None
    t_infrared: float | None = None

    def get(self, modality: str) -> np.ndarray | None:
        """The frame of ``modality`` ('visible' or 'infrared')."""
        if modality == "visible":
            return self.visible
        if modality == "infrared":
            return self.infrared
        raise ValueError(f"unknown modality {modality!r}; expected one of {MODALITIES}")

    @property
    def modalities(self) -> tuple[str, ...]:
        """The modalities that have a frame."""
        return tuple(m for m in MODALITIES if self.get(m) is not None)
