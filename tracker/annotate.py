"""Drawing a tracked frame pair side by side (OpenCV only, for videos and previews)."""
from __future__ import annotations

import cv2
import numpy as np

from streams.frames import FramePair

COLOURS = {"tracking": (0, 220, 0), "weak": (255, 200, 0), "lost": (255, 40, 40),
           "redetected": (0, 200, 255), "blind": (160, 160, 160)}
GT_COLOUR = (255, 255, 255)


def _rect(img: np.ndarray, box: np.ndarray | None, colour: tuple[int, int, int], thickness: int = 2) -> None:
    if box is None or not np.all(np.isfinite(box)):
        return
    x, y, w, h = (int(round(v)) for v in box)
    cv2.rectangle(img, (x, y), (x + w, y + h), colour, thickness, cv2.LINE_AA)


def side_by_side(frame: FramePair, box_visible: np.ndarray | None, box_infrared: np.ndarray | None,
                 state: str = "tracking", gt_visible: np.ndarray | None = None,
                 gt_infrared: np.ndarray | None = None, label: str = "", height: int | None = None) -> np.ndarray:
    """An RGB image: visible | infrared, each with the box (and ground truth) and a caption.

    A missing modality is drawn as a dark panel saying so. Both panels are
    scaled to ``height`` (default: the visible frame's height).
    """
    ref = frame.visible if frame.visible is not None else frame.infrared
    if ref is None:
        raise ValueError(f"frame {frame.index} has neither a visible nor an infrared image")
    height = height or ref.shape[0]
    panels = []
    for name, image, box, gt in (("visible", frame.visible, box_visible, gt_visible),
                                 ("infrared", frame.infrared, box_infrared, gt_infrared)):
        if image is None:
            width = int(round(ref.shape[1] * height / ref.shape[0]))
            panel = np.full((height, width, 3), 30, np.uint8)
            cv2.putText(panel, f"no {name} frame", (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                        (200, 200, 200), 2, cv2.LINE_AA)
        else:
            panel = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
            _rect(panel, gt, GT_COLOUR, 1)
            _rect(panel, box, COLOURS.get(state, (0, 220, 0)), 2)
            if panel.shape[0] != height:
                panel = cv2.resize(panel, (int(round(panel.shape[1] * height / panel.shape[0])), height))
        cv2.putText(panel, name, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2, cv2.LINE_AA)
        panels.append(panel)
    out = np.concatenate(panels, axis=1)
    caption = f"#{frame.index} {state} {label}".strip()
    cv2.putText(out, caption, (8, out.shape[0] - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2, cv2.LINE_AA)
    return out


class VideoSink:
    """An mp4 writer opened on the first frame (so the size is known); RGB in."""

    def __init__(self, path: str, fps: float = 30.0):
        self.path, self.fps = str(path), float(fps)
        self._writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        from core.errors import InputError

        if self._writer is None:
            h, w = rgb.shape[:2]
            self._writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise InputError(f"{self.path}: cannot open a video file for writing")
            self._size = (w, h)
        if rgb.shape[1::-1] != self._size:
            rgb = cv2.resize(rgb, self._size)
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> "VideoSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
