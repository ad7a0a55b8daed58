"""Detecting an unusable modality frame from the pixels alone (no oracle flags)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class FrameHealth:
    """Why a frame can or cannot be used: ``ok``, ``missing``, ``blank``, ``saturated`` or ``frozen``."""

    status: str
    std: float = 0.0

    @property
    def usable(self) -> bool:
        return self.status == "ok"


class HealthMonitor:
    """Per-modality check against the previous frame; keeps a tiny thumbnail, nothing else."""

    def __init__(self, blank_std: float, saturated_fraction: float, frozen_mad: float):
        self.blank_std = blank_std
        self.saturated_fraction = saturated_fraction
        self.frozen_mad = frozen_mad
        self._previous: dict[str, np.ndarray] = {}

    def reset(self) -> None:
        self._previous.clear()

    def check(self, modality: str, image: np.ndarray | None) -> FrameHealth:
        if image is None:
            self._previous.pop(modality, None)
            return FrameHealth("missing")
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        thumb = cv2.resize(grey, (64, 48), interpolation=cv2.INTER_AREA).astype(np.float32)
        std = float(thumb.std())
        previous = self._previous.get(modality)
        self._previous[modality] = thumb
        if std < self.blank_std:
            return FrameHealth("blank", std)
        if float(np.mean(thumb >= 250)) >= self.saturated_fraction:
            return FrameHealth("saturated", std)
        if previous is not None and float(np.mean(np.abs(thumb - previous))) < self.frozen_mad:
            return FrameHealth("frozen", std)
        return FrameHealth("ok", std)
