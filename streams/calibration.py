"""The homography between the infrared and the visible image of a rig.

File schema (JSON, one object; give either key, or both if they are inverses)::

    {"ir_to_visible": [[h00, h01, h02], [h10, h11, h12], [h20, h21, h22]]}
    {"visible_to_ir": [[...], [...], [...]]}

``ir_to_visible`` maps an infrared pixel coordinate ``(x, y, 1)`` to the
visible image (continuous coordinates, the box convention of
:mod:`core.geometry`). Unknown keys, bad JSON, a matrix that is not 3×3 of
finite numbers, or a singular one raise :class:`ConfigError` naming the file
and the key.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.config import config_from_mapping
from core.errors import ConfigError
from core.geometry import BoxLike, as_boxes, map_box

CALIBRATION_FILE = "calibration.json"
# Reciprocal condition number under which a homography counts as singular.
_MIN_RCOND = 1e-12


@dataclass(frozen=True)
class _CalibrationFile:
    """The keys a calibration JSON may hold (unknown keys are rejected)."""

    ir_to_visible: tuple | None = None
    visible_to_ir: tuple | None = None


def _matrix(value: Any, where: str) -> np.ndarray:
    try:
        h = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a 3x3 matrix of numbers") from None
    if h.shape != (3, 3):
        raise ConfigError(f"{where}: expected a 3x3 matrix, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ConfigError(f"{where}: the matrix holds a non-finite value")
    if 1.0 / np.linalg.cond(h) < _MIN_RCOND:
        raise ConfigError(f"{where}: the matrix is singular (not invertible)")
    return h / h[2, 2] if abs(h[2, 2]) > 1e-12 else h


@dataclass(frozen=True, eq=False)
class Calibration:
    """Maps boxes between the infrared and the visible image."""

    ir_to_visible: np.ndarray

    def __post_init__(self) -> None:
        h = _matrix(self.ir_to_visible, "ir_to_visible")
        h.setflags(write=False)
        object.__setattr__(self, "ir_to_visible", h)

    @classmethod
    def identity(cls) -> "Calibration":
        return cls(np.eye(3))

    @classmethod
    def from_visible_to_ir(cls, h: np.ndarray) -> "Calibration":
        return cls(np.linalg.inv(_matrix(h, "visible_to_ir")))

    @property
    def visible_to_ir(self) -> np.ndarray:
        return np.linalg.inv(self.ir_to_visible)

    def to_visible(self, box: BoxLike) -> np.ndarray:
        """An infrared box (or ``(N, 4)`` boxes) in visible coordinates; NaN stays NaN."""
        return _map(self.ir_to_visible, box)

    def to_infrared(self, box: BoxLike) -> np.ndarray:
        """A visible box (or ``(N, 4)`` boxes) in infrared coordinates; NaN stays NaN."""
        return _map(self.visible_to_ir, box)

    def save(self, path: str | Path) -> Path:
        """Write the ``{"ir_to_visible": ...}`` JSON file."""
        path = Path(path)
        data = {"ir_to_visible": self.ir_to_visible.tolist()}
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        return path


def _map(h: np.ndarray, box: BoxLike) -> np.ndarray:
    single = np.ndim(box) == 1
    boxes = as_boxes(box)
    out = np.full_like(boxes, np.nan)
    ok = ~np.isnan(boxes).any(axis=1)
    if ok.any():
        out[ok] = map_box(h, boxes[ok])
    return out[0] if single else out


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration JSON file (schema in the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: calibration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read calibration file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    spec = config_from_mapping(_CalibrationFile, data, source=str(path))
    if spec.ir_to_visible is None and spec.visible_to_ir is None:
        raise ConfigError(f"{path}: needs 'ir_to_visible' or 'visible_to_ir' (a 3x3 homography)")
    fwd = _matrix(spec.ir_to_visible, f"{path}: ir_to_visible") if spec.ir_to_visible is not None else None
    inv = _matrix(spec.visible_to_ir, f"{path}: visible_to_ir") if spec.visible_to_ir is not None else None
    if fwd is not None and inv is not None:
        product = fwd @ inv
        if not np.allclose(product / product[2, 2], np.eye(3), atol=1e-6):
            raise ConfigError(f"{path}: visible_to_ir is not the inverse of ir_to_visible")
    return Calibration(fwd) if fwd is not None else Calibration.from_visible_to_ir(inv)
