"""Write a visible/IR sequence in the VOT multi-channel layout.

Layout (readable by the VOT toolkit and by :mod:`streams.layouts`)::

    NAME/
      color/00000001.jpg ...      visible frames (RGB, stored as JPEG or PNG)
      ir/00000001.jpg ...         infrared frames (8-bit grey)
      sequence                    channels.color=color/%08d.jpg, channels.ir=..., fps, format
      groundtruth.txt             one x,y,w,h line per frame (visible coordinates)
      ir_groundtruth.txt          only when IR coordinates differ (misaligned streams);
                                  not "groundtruth_*.txt", which the VOT toolkit reads as extra objects
      meta.json                   optional per-frame events written by generators

A frame whose target is absent is written as ``0,0,0,0`` (the RGBT convention
readers map back to NaN). A modality frame that is ``None`` (a dropout) is
written as an all-black image, and callers should record it in ``meta.json``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import cv2
import numpy as np

from core.errors import InputError
from streams.frames import FramePair


def format_box_line(box: np.ndarray | None) -> str:
    """One ground-truth or results line: ``x,y,w,h`` with 2 decimals, ``0,0,0,0`` if absent."""
    if box is None or not np.all(np.isfinite(box)):
        return "0,0,0,0"
    return ",".join(f"{float(v):.2f}" for v in box)


class VotSequenceWriter:
    """Streams frames to disk one by one, so nothing is held in memory.

    Use as a context manager; ``add`` each :class:`FramePair` with its box(es),
    and the ``sequence`` file, ground truth and ``meta.json`` are written on
    close (ground truth lines are also flushed as they come).
    """

    def __init__(self, out_dir: str | Path, fps: float = 30.0, ext: str = ".jpg", quality: int = 92,
                 blank_size: tuple[int, int] | None = None):
        self.root = Path(out_dir)
        self.fps = float(fps)
        self.ext = ext
        self.quality = quality
        self.blank_size = blank_size  # (width, height) used for a None frame before any real one was seen
        self._count = 0
        self._sizes: dict[str, tuple[int, int]] = {}
        self._gt_ir_differs = False
        self._gt_vis: list[str] = []
        self._gt_ir: list[str] = []
        self.meta: dict[str, Any] = {}
        for sub in ("color", "ir"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._gt_file = open(self.root / "groundtruth.txt", "w", encoding="utf-8")

    def __enter__(self) -> "VotSequenceWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write_image(self, path: Path, image: np.ndarray | None, channel: str, like: np.ndarray | None) -> None:
        if image is None:
            ref = like
            if channel in self._sizes:
                w, h = self._sizes[channel]
            elif ref is not None:
                h, w = ref.shape[:2]
            elif self.blank_size is not None:
                w, h = self.blank_size
            else:
                raise InputError(f"frame {self._count}: no {channel} image and no size known for a blank frame")
            image = np.zeros((h, w, 3) if channel == "color" else (h, w), np.uint8)
        self._sizes.setdefault(channel, (image.shape[1], image.shape[0]))
        out = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
        params = [cv2.IMWRITE_JPEG_QUALITY, self.quality] if self.ext.lower() in (".jpg", ".jpeg") else []
        if not cv2.imwrite(str(path), out, params):
            raise InputError(f"{path}: could not write image")

    def add(self, frame: FramePair, box_visible: np.ndarray | None, box_infrared: np.ndarray | None = None) -> None:
        """Append one frame and its target box (``box_infrared`` only if it differs from visible)."""
        self._count += 1
        name = f"{self._count:08d}{self.ext}"
        self._write_image(self.root / "color" / name, frame.visible, "color", frame.infrared)
        self._write_image(self.root / "ir" / name, frame.infrared, "ir", frame.visible)
        line_v = format_box_line(box_visible)
        line_i = format_box_line(box_infrared if box_infrared is not None else box_visible)
        self._gt_ir_differs |= box_infrared is not None and line_i != line_v
        self._gt_vis.append(line_v)
        self._gt_ir.append(line_i)
        self._gt_file.write(line_v + "\n")
        self._gt_file.flush()

    def close(self) -> None:
        if self._gt_file.closed:
            return
        self._gt_file.close()
        lines = [
            f"channels.color=color/%08d{self.ext}",
            f"channels.ir=ir/%08d{self.ext}",
            f"fps={self.fps:g}",
            "format=default",
            "channel.default=color",
        ]
        (self.root / "sequence").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if self._gt_ir_differs:
            (self.root / "ir_groundtruth.txt").write_text("\n".join(self._gt_ir) + "\n", encoding="utf-8")
        if self.meta:
            (self.root / "meta.json").write_text(json.dumps(self.meta, indent=1), encoding="utf-8")

    @property
    def frame_count(self) -> int:
        return self._count


def write_vot_sequence(out_dir: str | Path, frames: Iterable[tuple[FramePair, np.ndarray | None, np.ndarray | None]],
                       fps: float = 30.0, meta: dict[str, Any] | None = None, ext: str = ".jpg") -> Path:
    """Write ``(frame, box_visible, box_infrared_or_None)`` triples as a VOT sequence folder."""
    with VotSequenceWriter(out_dir, fps=fps, ext=ext) as writer:
        for frame, bv, bi in frames:
            writer.add(frame, bv, bi)
        if meta:
            writer.meta.update(meta)
    return Path(out_dir)
