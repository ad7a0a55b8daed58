"""OpenCV's CSRT, KCF and MIL (opencv-contrib) run on one modality, as benchmark peers."""
from __future__ import annotations

import cv2
import numpy as np

from streams.frames import FramePair

FACTORIES = {
    "csrt": lambda: cv2.TrackerCSRT.create(),
    "kcf": lambda: cv2.TrackerKCF.create(),
    "mil": lambda: cv2.TrackerMIL.create(),
}


class OpenCVTracker:
    """``init(frames, box)`` / ``update(frames) -> box`` on the ``modality`` image only.

    A frame where the modality is missing keeps the last box; a failed update
    reports no box (NaN), which the evaluation counts as a miss.
    """

    def __init__(self, kind: str, modality: str):
        if kind not in FACTORIES:
            raise ValueError(f"unknown OpenCV tracker '{kind}' (known: {', '.join(FACTORIES)})")
        self.kind, self.modality = kind, modality
        self.name = f"{kind}-{'vis' if modality == 'visible' else 'ir'}"
        self._tracker = None
        self._last = np.full(4, np.nan)

    @staticmethod
    def _bgr(image: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(image, cv2.COLOR_RGB2BGR if image.ndim == 3 else cv2.COLOR_GRAY2BGR)

    def init(self, frames: FramePair, box: np.ndarray) -> None:
        image = frames.get(self.modality)
        if image is None:
            raise ValueError(f"frame {frames.index}: no {self.modality} image to initialise {self.name}")
        self._tracker = FACTORIES[self.kind]()
        x, y, w, h = (int(round(v)) for v in box)
        self._tracker.init(self._bgr(image), (x, y, max(w, 1), max(h, 1)))
        self._last = np.asarray(box, float)

    def update(self, frames: FramePair) -> np.ndarray:
        image = frames.get(self.modality)
        if image is None:
            return self._last
        ok, rect = self._tracker.update(self._bgr(image))
        self._last = np.asarray(rect, float) if ok else np.full(4, np.nan)
        return self._last
