"""A dataset sequence folder (VOT, RGBT234/LasHeR or GTOT) with its annotations.

Frames are paired by index and read lazily; random access with
:meth:`DatasetSequence.frame`. Ground truth is read (and checked) when the
sequence opens, so a malformed file fails early with ``file:line``.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InputError
from streams.calibration import CALIBRATION_FILE, load_calibration
from streams.groundtruth import first_valid, match_frame_count, read_boxes, read_init_box
from streams.layouts import SequenceFiles, detect_layout, find_file
from streams.readers import DEFAULT_FPS, ImageFolderStream, check_fps
from streams.sources import IndexedPairSource

META_FILE = "meta.json"


def read_meta(path: Path) -> dict[str, Any]:
    """A sequence's ``meta.json`` as a dict (it must hold a JSON object)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


class DatasetSequence(IndexedPairSource):
    """One sequence folder: frames, ground truth, initial box, fps, meta and calibration.

    Attributes beyond :class:`~streams.sources.PairSource`:
    ``root``, ``files`` (the detected :class:`SequenceFiles`),
    ``groundtruth_visible`` / ``groundtruth_infrared`` (float64 ``(N, 4)``
    xywh, NaN rows where the target is absent, or ``None`` without a file),
    ``init_index`` / ``init_box`` (the first frame with a visible box, else
    frame 0 with ``init.txt``'s box, else ``None``), ``meta`` (``meta.json``
    or ``{}``) and ``calibration`` (from ``calibration.json`` or ``None``).

    The frame rate is ``fps`` if given, else the VOT ``sequence`` file's,
    else ``meta.json``'s ``"fps"``, else 30.
    """

    def __init__(self, files: SequenceFiles, fps: float | None = None, allow_length_mismatch: bool = False):
        self.files = files
        self.root = files.root
        meta_path = find_file(files.root, META_FILE)
        self.meta: dict[str, Any] = read_meta(meta_path) if meta_path else {}
        rate = _choose_fps(fps, files, self.meta, meta_path)
        super().__init__(
            ImageFolderStream(files.visible_frames, "visible", rate, name=str(files.visible_frames[0].parent)),
            ImageFolderStream(files.infrared_frames, "infrared", rate, name=str(files.infrared_frames[0].parent)),
            name=files.root.resolve().name,
            allow_length_mismatch=allow_length_mismatch,
        )
        self.layout = files.layout
        calib = find_file(files.root, CALIBRATION_FILE)
        self.calibration = load_calibration(calib) if calib else None
        self.groundtruth_visible = self._read_gt(files.gt_visible, allow_length_mismatch)
        self.groundtruth_infrared = self._read_gt(files.gt_infrared, allow_length_mismatch)
        aligned = files.infrared_gt_from_visible and self.groundtruth_visible is not None
        if self.groundtruth_infrared is None and aligned:
            self.groundtruth_infrared = self.groundtruth_visible.copy()
        self.init_index: int | None = None
        self.init_box: np.ndarray | None = None
        first = first_valid(self.groundtruth_visible) if self.groundtruth_visible is not None else None
        if first is not None:
            self.init_index, self.init_box = first
        elif files.init_file is not None:
            self.init_index, self.init_box = 0, read_init_box(files.init_file)

    def _read_gt(self, path: Path | None, allow_extra: bool) -> np.ndarray | None:
        if path is None:
            return None
        boxes = read_boxes(path, self.files.box_format, self.files.allow_polygon)
        boxes, notices = match_frame_count(boxes, len(self), path, allow_extra=allow_extra)
        self.notices.extend(notices)
        return boxes

    def groundtruth(self, modality: str) -> np.ndarray | None:
        """Ground truth of ``modality`` ('visible' or 'infrared'), or ``None``."""
        if modality == "visible":
            return self.groundtruth_visible
        if modality == "infrared":
            return self.groundtruth_infrared
        raise ValueError(f"unknown modality {modality!r}")

    def __repr__(self) -> str:
        return f"DatasetSequence({self.name!r}, layout={self.layout!r}, frames={len(self)}, fps={self.fps:g})"


def _choose_fps(fps: float | None, files: SequenceFiles, meta: dict[str, Any], meta_path: Path | None) -> float:
    if fps is not None:
        return check_fps(fps, f"{files.root}: fps")
    if files.fps is not None:
        return files.fps
    value = meta.get("fps")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
            raise InputError(f"{meta_path}: 'fps' must be a positive number, got {value!r}")
        return float(value)
    return DEFAULT_FPS


def load_sequence(path: str | Path, fps: float | None = None, allow_length_mismatch: bool = False) -> DatasetSequence:
    """Detect the layout of ``path`` and open it as a :class:`DatasetSequence`."""
    return DatasetSequence(detect_layout(path), fps=fps, allow_length_mismatch=allow_length_mismatch)
