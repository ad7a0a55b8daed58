"""Box conventions, conversions, IoU and image crops: pure functions only.

Convention used everywhere in HeteroTrack
-----------------------------------------
A box is ``(x, y, w, h)`` in pixels, 0-based, with ``(x, y)`` the top-left
corner. Pixel ``i`` covers the interval ``[i, i + 1)``, so a box covering
exactly pixels 0..9 is ``(0, 0, 10, 10)`` and its centre is ``(5, 5)``.
Arrays of boxes have shape ``(N, 4)``. A missing box (target absent) is a row
of NaN.

Other conventions are converted only at I/O boundaries:
``xyxy`` (left, top, right, bottom; exclusive right/bottom) and ``cxcywh``.
GTOT's left-top-right-bottom files are inclusive pixel indices; see
:func:`ltrb_inclusive_to_xywh`.
"""
from __future__ import annotations

import math
from typing import Sequence

import cv2
import numpy as np

from core.errors import InputError

BoxLike = Sequence[float] | np.ndarray


def as_boxes(boxes: BoxLike) -> np.ndarray:
    """Return ``boxes`` as a float64 array of shape (N, 4) (a single box gives N=1)."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"expected boxes of shape (N, 4), got {arr.shape}")
    return arr


def xywh_to_xyxy(boxes: BoxLike) -> np.ndarray:
    b = as_boxes(boxes)
    return np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], axis=1)


def xyxy_to_xywh(boxes: BoxLike) -> np.ndarray:
    b = as_boxes(boxes)
    return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)


def xywh_to_cxcywh(boxes: BoxLike) -> np.ndarray:
    b = as_boxes(boxes)
    return np.stack([b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2, b[:, 2], b[:, 3]], axis=1)


def cxcywh_to_xywh(boxes: BoxLike) -> np.ndarray:
    b = as_boxes(boxes)
    return np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 2], b[:, 3]], axis=1)


def ltrb_inclusive_to_xywh(boxes: BoxLike) -> np.ndarray:
    """GTOT style ``left, top, right, bottom`` with inclusive pixel indices."""
    b = as_boxes(boxes)
    return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0] + 1, b[:, 3] - b[:, 1] + 1], axis=1)


def xywh_to_ltrb_inclusive(boxes: BoxLike) -> np.ndarray:
    b = as_boxes(boxes)
    return np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2] - 1, b[:, 1] + b[:, 3] - 1], axis=1)


def box_center(boxes: BoxLike) -> np.ndarray:
    """Centres ``(N, 2)`` of ``(N, 4)`` xywh boxes."""
    b = as_boxes(boxes)
    return b[:, :2] + b[:, 2:] / 2


def iou(a: BoxLike, b: BoxLike) -> np.ndarray:
    """Element-wise IoU of two equally long lists of xywh boxes.

    Rows with NaN give NaN; boxes with zero area give 0.
    """
    a, b = as_boxes(a), as_boxes(b)
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.clip(np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0), 0.0, 1.0)
    out[np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1)] = np.nan
    return out


def center_error(a: BoxLike, b: BoxLike) -> np.ndarray:
    """Euclidean distance between box centres, element-wise."""
    return np.linalg.norm(box_center(a) - box_center(b), axis=1)


def validate_box(box: BoxLike, where: str, image_size: tuple[int, int] | None = None) -> tuple[float, float, float, float]:
    """Check one xywh box given by the user and return it as a tuple.

    ``where`` names its origin (a file and line, a CLI flag, a frame) and is put
    at the start of the error message. ``image_size`` is ``(width, height)``;
    when given, the box must overlap the image.
    """
    arr = np.asarray(box, dtype=np.float64).reshape(-1)
    if arr.size != 4:
        raise InputError(f"{where}: a box needs 4 numbers x,y,w,h, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{where}: box {tuple(arr.tolist())} contains a non-finite value")
    x, y, w, h = (float(v) for v in arr)
    if w <= 0 or h <= 0:
        raise InputError(f"{where}: box {x:g},{y:g},{w:g},{h:g} has zero or negative size")
    if image_size is not None:
        width, height = image_size
        if x >= width or y >= height or x + w <= 0 or y + h <= 0:
            raise InputError(f"{where}: box {x:g},{y:g},{w:g},{h:g} lies outside the {width}x{height} image")
    return x, y, w, h


def parse_box(text: str, where: str) -> tuple[float, float, float, float]:
    """Parse ``"x,y,w,h"`` (commas, tabs or spaces) and validate it."""
    parts = [p for p in text.replace("\t", ",").replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{where}: '{text}' is not four numbers x,y,w,h") from None
    return validate_box(values, where)


def context_size(w: float, h: float, context: float = 0.5) -> float:
    """SiamFC exemplar side: ``sqrt((w + p) * (h + p))`` with ``p = context * (w + h)``."""
    p = context * (w + h)
    return math.sqrt((w + p) * (h + p))


def crop_resize(
    image: np.ndarray,
    center: tuple[float, float],
    side: float | tuple[float, float],
    out_size: int | tuple[int, int],
    pad_value: float | Sequence[float] | None = None,
    interpolation: int = cv2.INTER_LINEAR,
) -> np.ndarray:
    """Cut a window centred on ``center`` and resize it to ``out_size``.

    ``side`` is the window size in image pixels (a number for a square, or
    ``(w, h)``). Parts outside the image are filled with ``pad_value``, which
    defaults to the image's mean colour (SiamFC's mean padding). Works for
    ``H×W`` and ``H×W×C`` arrays; the result keeps the dtype. The mapping is
    exact in the continuous pixel convention above: the window's centre lands
    on the output's centre.
    """
    sw, sh = (side, side) if np.isscalar(side) else side
    ow, oh = (out_size, out_size) if np.isscalar(out_size) else out_size
    if sw <= 0 or sh <= 0:
        raise ValueError(f"crop side must be positive, got {side}")
    if pad_value is None:
        pad_value = image.reshape(-1, image.shape[2]).mean(axis=0) if image.ndim == 3 else float(image.mean())
    sx, sy = ow / sw, oh / sh
    cx, cy = center
    # Output pixel centre u + 0.5 maps to image point cx + (u + 0.5 - ow/2) / sx,
    # and image point px lies at array coordinate px - 0.5.
    matrix = np.array(
        [[sx, 0.0, ow / 2 - 0.5 - sx * (cx - 0.5)], [0.0, sy, oh / 2 - 0.5 - sy * (cy - 0.5)]],
        dtype=np.float64,
    )
    border = tuple(float(v) for v in np.atleast_1d(pad_value))
    if len(border) == 1:
        border = border * 4
    return cv2.warpAffine(
        image, matrix, (int(ow), int(oh)), flags=interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


def apply_homography(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` points through the 3×3 homography ``h``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    homog = np.concatenate([pts, np.ones((len(pts), 1))], axis=1) @ np.asarray(h, dtype=np.float64).T
    return homog[:, :2] / homog[:, 2:3]


def map_box(h: np.ndarray, box: BoxLike) -> np.ndarray:
    """Axis-aligned xywh box enclosing the four corners of ``box`` mapped by ``h``."""
    out = []
    for x, y, w, hh in as_boxes(box):
        corners = np.array([[x, y], [x + w, y], [x, y + hh], [x + w, y + hh]])
        m = apply_homography(h, corners)
        x1, y1 = m.min(axis=0)
        x2, y2 = m.max(axis=0)
        out.append([x1, y1, x2 - x1, y2 - y1])
    return np.asarray(out)
