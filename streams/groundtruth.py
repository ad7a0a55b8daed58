"""Reading per-frame box files (ground truth, ``init.txt``, tracker results).

One box per line, fields separated by commas, semicolons, tabs or spaces.
``xywh`` files hold ``x,y,w,h``; ``ltrb`` files (GTOT) hold inclusive
``left,top,right,bottom`` and are converted with
:func:`core.geometry.ltrb_inclusive_to_xywh`. A line of all zeros or with a
NaN means "target absent" and becomes a row of NaN. Anything else that is not
a box of positive size raises :class:`InputError` naming ``file:line``.
Blank lines at the end of a file are ignored; a blank line before the end is
an error, since it would shift every later frame.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.geometry import ltrb_inclusive_to_xywh

BOX_FORMATS = ("xywh", "ltrb")
_SEPARATORS = re.compile(r"[,;\s]+")


def _read_lines(path: Path, what: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not a text file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what} ({exc.strerror})") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_box_line(line: str, where: str, box_format: str = "xywh", allow_polygon: bool = False) -> np.ndarray:
    """One line as a float64 ``(4,)`` xywh box, NaN for an absent target.

    ``where`` (``file:line``) starts every error message. With
    ``allow_polygon`` an 8-number VOT polygon is accepted and replaced by its
    axis-aligned bounding box.
    """
    if box_format not in BOX_FORMATS:
        raise ValueError(f"unknown box format {box_format!r}; expected one of {BOX_FORMATS}")
    text = line.strip()
    if not text:
        raise InputError(f"{where}: empty line (expected a box per frame)")
    parts = [p for p in _SEPARATORS.split(text) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{where}: '{text}' is not a list of numbers") from None
    allowed = (4, 8) if allow_polygon else (4,)
    if len(values) not in allowed:
        expected = " or ".join(str(n) for n in allowed)
        raise InputError(f"{where}: expected {expected} numbers, got {len(values)} in '{text}'")
    if any(math.isnan(v) for v in values) or all(v == 0 for v in values):
        return np.full(4, np.nan)
    if any(math.isinf(v) for v in values):
        raise InputError(f"{where}: '{text}' contains an infinite value")
    if len(values) == 8:
        xs, ys = values[0::2], values[1::2]
        box = np.array([min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)])
    elif box_format == "ltrb":
        box = ltrb_inclusive_to_xywh(values)[0]
    else:
        box = np.asarray(values, dtype=np.float64)
    if box[2] <= 0 or box[3] <= 0:
        shown = "left,top,right,bottom" if box_format == "ltrb" and len(values) == 4 else "box"
        raise InputError(f"{where}: {shown} '{text}' has zero or negative size")
    return box


def read_boxes(path: str | Path, box_format: str = "xywh", allow_polygon: bool = False,
               what: str = "ground-truth file", allow_empty: bool = False) -> np.ndarray:
    """All boxes of a file as a float64 ``(N, 4)`` xywh array (NaN rows: absent)."""
    path = Path(path)
    lines = _read_lines(path, what)
    if not lines:
        if allow_empty:
            return np.zeros((0, 4))
        raise InputError(f"{path}: {what} is empty")
    rows = [parse_box_line(line, f"{path}:{n}", box_format, allow_polygon) for n, line in enumerate(lines, 1)]
    return np.stack(rows)


def read_init_box(path: str | Path) -> np.ndarray:
    """The first line of an ``init.txt`` as an xywh box; it must not be absent."""
    path = Path(path)
    lines = _read_lines(path, "init file")
    if not lines:
        raise InputError(f"{path}: init file is empty")
    box = parse_box_line(lines[0], f"{path}:1")
    if np.isnan(box).any():
        raise InputError(f"{path}:1: the initial box marks the target as absent")
    return box


def match_frame_count(boxes: np.ndarray, n_frames: int, path: str | Path,
                      allow_extra: bool = False) -> tuple[np.ndarray, list[str]]:
    """Check that a box file has one line per frame.

    Fewer lines than frames is always an error naming both counts. More lines
    is an error too, unless ``allow_extra`` (used when the frames were
    truncated to the shorter stream): then the extra lines are dropped and a
    notice says so.
    """
    n_lines = len(boxes)
    if n_lines == n_frames:
        return boxes, []
    if n_lines < n_frames:
        raise InputError(f"{path}: has {n_lines} boxes but the sequence has {n_frames} frames")
    if not allow_extra:
        raise InputError(
            f"{path}: has {n_lines} boxes but the sequence has {n_frames} frames "
            "(pass allow_length_mismatch to use the first boxes only)"
        )
    return boxes[:n_frames], [f"{path}: using the first {n_frames} of {n_lines} boxes"]


def first_valid(boxes: np.ndarray) -> tuple[int, np.ndarray] | None:
    """Index and box of the first row that is not absent, or ``None``."""
    valid = np.flatnonzero(~np.isnan(boxes).any(axis=1))
    if not len(valid):
        return None
    return int(valid[0]), boxes[valid[0]].copy()
