"""Side-by-side annotated views (visible | infrared) for videos, previews and debugging.

Boxes are drawn with sub-pixel precision; a header shows the frame counter
and the frame's notable events. A missing frame is drawn as a dark panel
saying so. Used by ``heterotrack demo`` and reusable by any viewer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from streams.frames import FramePair

GT_COLOUR = (60, 230, 90)


@dataclass(frozen=True)
class BoxOverlay:
    """A box to draw on both panels (``None``/NaN boxes are skipped)."""

    box_visible: np.ndarray | None
    box_infrared: np.ndarray | None
    colour: tuple[int, int, int] = GT_COLOUR  # RGB
    label: str = ""


def event_summary(events: dict) -> str:
    """A short line of the frame's notable events, e.g. 'occluded 60% | IR frozen'."""
    bits = []
    if events.get("out_of_view"):
        bits.append("target out of view")
    elif events.get("occlusion", 0.0) >= 0.05:
        bits.append(f"occluded {100 * events['occlusion']:.0f}%")
    if events.get("crossover"):
        bits.append(f"thermal crossover {100 * events.get('crossover_weight', 0.0):.0f}%")
    for key, name in (("dropout_visible", "visible"), ("dropout_infrared", "IR")):
        if events.get(key):
            bits.append(f"{name} {events[key]}")
    if events.get("motion_blur_px", 0.0) >= 3:
        bits.append("motion blur")
    return " | ".join(bits)


def _panel(image: np.ndarray | None, size: tuple[int, int], name: str) -> np.ndarray:
    w, h = size
    if image is None:
        panel = np.full((h, w, 3), 28, np.uint8)
        cv2.putText(panel, f"no {name} frame", (w // 2 - 80, h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (200, 200, 200), 2, cv2.LINE_AA)
        return panel
    panel = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image.copy()
    if panel.shape[:2] != (h, w):
        panel = cv2.resize(panel, (w, h), interpolation=cv2.INTER_AREA)
    return panel


def _draw_box(panel: np.ndarray, box: np.ndarray | None, colour: tuple[int, int, int], label: str) -> None:
    if box is None or not np.all(np.isfinite(box)):
        return
    x, y, w, h = (float(v) for v in box)
    s = 16  # 4 fractional bits
    p0 = (int(round(x * s)), int(round(y * s)))
    p1 = (int(round((x + w) * s)), int(round((y + h) * s)))
    cv2.rectangle(panel, p0, p1, colour, 2, cv2.LINE_AA, 4)
    if label:
        cv2.putText(panel, label, (int(x), max(12, int(y) - 5)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1,
                    cv2.LINE_AA)


def side_by_side(frame: FramePair, overlays: Sequence[BoxOverlay] = (), header: str = "",
                 size: tuple[int, int] | None = None, ir_label: str = "infrared") -> np.ndarray:
    """RGB image: visible on the left, IR on the right, boxes on both, ``header`` on a band at the top."""
    ref = frame.visible if frame.visible is not None else frame.infrared
    if size is None:
        size = (ref.shape[1], ref.shape[0]) if ref is not None else (640, 512)
    left = _panel(frame.visible, size, "visible")
    right = _panel(frame.infrared, size, "infrared")
    for ov in overlays:
        _draw_box(left, ov.box_visible, ov.colour, ov.label)
        _draw_box(right, ov.box_infrared if ov.box_infrared is not None else ov.box_visible, ov.colour, ov.label)
    out = np.concatenate([left, right], axis=1)
    band = out[:22]
    band[:] = (band * 0.35).astype(np.uint8)
    cv2.putText(out, header, (8, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(out, "visible", (8, size[1] - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(out, ir_label, (size[0] + 8, size[1] - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                cv2.LINE_AA)
    return out
