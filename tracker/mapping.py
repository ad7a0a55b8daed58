"""Coordinates between the two streams.

The tracker keeps its state in *reference* coordinates, which are the visible
image's pixels. An infrared box is mapped through ``ir_to_visible`` (a 3×3
homography from the calibration file). Without calibration, streams of equal
size are taken as aligned, and streams of different sizes as covering the
same field of view (a pure scaling).
"""
from __future__ import annotations

import numpy as np

from core.geometry import apply_homography, map_box


class ModalityMapping:
    def __init__(self, ir_to_visible: np.ndarray | None = None):
        self._explicit = ir_to_visible is not None
        self.ir_to_visible = np.eye(3) if ir_to_visible is None else np.asarray(ir_to_visible, np.float64)
        self.visible_to_ir = np.linalg.inv(self.ir_to_visible)

    def fit_sizes(self, visible_size: tuple[int, int] | None, infrared_size: tuple[int, int] | None) -> None:
        """Without calibration, scale between two streams of different ``(w, h)`` sizes."""
        if self._explicit or visible_size is None or infrared_size is None:
            return
        sx = visible_size[0] / infrared_size[0]
        sy = visible_size[1] / infrared_size[1]
        self.ir_to_visible = np.diag([sx, sy, 1.0])
        self.visible_to_ir = np.linalg.inv(self.ir_to_visible)

    @property
    def explicit(self) -> bool:
        """Whether the mapping came from a calibration file."""
        return self._explicit

    def shift_infrared(self, offset: tuple[float, float]) -> None:
        """Correct the mapping by ``offset``: what it maps to IR point ``p`` is really at ``p + offset``."""
        shift = np.array([[1.0, 0.0, -offset[0]], [0.0, 1.0, -offset[1]], [0.0, 0.0, 1.0]])
        self.ir_to_visible = self.ir_to_visible @ shift
        self.visible_to_ir = np.linalg.inv(self.ir_to_visible)

    @property
    def is_identity(self) -> bool:
        return bool(np.allclose(self.ir_to_visible, np.eye(3)))

    def point_to(self, modality: str, point: tuple[float, float]) -> tuple[float, float]:
        """Reference (visible) point to ``modality`` coordinates."""
        if modality == "visible" or self.is_identity:
            return point
        x, y = apply_homography(self.visible_to_ir, np.array([point]))[0]
        return float(x), float(y)

    def point_from(self, modality: str, point: tuple[float, float]) -> tuple[float, float]:
        if modality == "visible" or self.is_identity:
            return point
        x, y = apply_homography(self.ir_to_visible, np.array([point]))[0]
        return float(x), float(y)

    def box_to(self, modality: str, box: np.ndarray) -> np.ndarray:
        if modality == "visible" or self.is_identity:
            return np.asarray(box, np.float64).reshape(4)
        return map_box(self.visible_to_ir, box)[0]

    def box_from(self, modality: str, box: np.ndarray) -> np.ndarray:
        if modality == "visible" or self.is_identity:
            return np.asarray(box, np.float64).reshape(4)
        return map_box(self.ir_to_visible, box)[0]

    def scale_to(self, modality: str, center: tuple[float, float]) -> float:
        """Local linear scale (modality px per reference px) at ``center``, for crop sizes."""
        if modality == "visible" or self.is_identity:
            return 1.0
        c = np.array([center, (center[0] + 1.0, center[1]), (center[0], center[1] + 1.0)])
        m = apply_homography(self.visible_to_ir, c)
        return float(np.sqrt(abs(np.linalg.det(np.stack([m[1] - m[0], m[2] - m[0]])))))
