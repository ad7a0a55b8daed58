"""Builders for tiny stream fixtures: image folders, dataset layouts, videos and fake cameras.

Frame ``i`` is a flat colour that encodes ``i``, so a test can tell which
frame it got and that colours arrived as RGB: visible pixels are
``(R, G, B) = (vis_red(i), 100, 200)``, infrared pixels ``ir_value(i)``.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

from streams.frames import FramePair
from streams.vot_writer import write_vot_sequence

VIS_SIZE = (64, 48)  # (width, height)
IR_SIZE = (32, 24)   # a different resolution on purpose


def vis_red(i: int) -> int:
    return (20 + 10 * i) % 256


def ir_value(i: int) -> int:
    return (30 + 7 * i) % 256


def visible_frame(i: int, size: tuple[int, int] = VIS_SIZE) -> np.ndarray:
    """RGB frame ``i``."""
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    img[...] = (vis_red(i), 100, 200)
    return img


def infrared_frame(i: int, size: tuple[int, int] = IR_SIZE) -> np.ndarray:
    """Grey frame ``i``."""
    w, h = size
    return np.full((h, w), ir_value(i), np.uint8)


def frame_number_of(pair_image: np.ndarray, modality: str, n: int) -> int:
    """Which of frames ``0..n-1`` an (approximately) decoded image is."""
    if modality == "visible":
        value, expected = float(pair_image[..., 0].mean()), [vis_red(i) for i in range(n)]
    else:
        value, expected = float(pair_image.mean()), [ir_value(i) for i in range(n)]
    return int(np.argmin([abs(value - e) for e in expected]))


def write_image(path: Path, image: np.ndarray) -> Path:
    """Write an RGB or grey image (BGR only here, at the OpenCV call)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    assert cv2.imwrite(str(path), out), path
    return path


def write_folder(folder: Path, n: int, modality: str, name: str = "{i}.png", start: int = 1,
                 ir_as_colour: bool = False) -> list[Path]:
    """``n`` frames named ``name.format(i=start..)``; IR optionally stored as 3 channels."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(n):
        if modality == "visible":
            image = visible_frame(k)
        else:
            image = infrared_frame(k)
            if ir_as_colour:
                image = np.repeat(image[..., None], 3, axis=2)
        paths.append(write_image(folder / name.format(i=k + start), image))
    return paths


def boxes_for(n: int, absent: Iterable[int] = ()) -> np.ndarray:
    """``n`` xywh boxes moving right, NaN at the ``absent`` frames."""
    boxes = np.array([[2.0 + i, 3.0, 10.0, 8.0] for i in range(n)])
    for i in absent:
        boxes[i] = np.nan
    return boxes


def write_lines(path: Path, rows: Sequence[Sequence[float]], sep: str = ",") -> Path:
    """One box per line; NaN rows written as zeros (the dataset convention)."""
    lines = []
    for row in rows:
        row = [0.0] * 4 if np.isnan(row).any() else row
        lines.append(sep.join(f"{v:g}" for v in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_vot(root: Path, n: int = 5, ir_boxes: np.ndarray | None = None, fps: float = 25.0,
             meta: dict | None = None, absent: Iterable[int] = (), ext: str = ".png") -> np.ndarray:
    """A VOT multi-channel sequence written by our own VotSequenceWriter; returns the visible boxes."""
    boxes = boxes_for(n, absent)
    triples = [
        (FramePair(i, visible_frame(i), infrared_frame(i)), boxes[i], None if ir_boxes is None else ir_boxes[i])
        for i in range(n)
    ]
    write_vot_sequence(root, triples, fps=fps, meta=meta, ext=ext)
    return boxes


def make_rgbt234(root: Path, n: int = 5, lasher_names: bool = False, sep: str = ",",
                 absent: Iterable[int] = (), gt: bool = True, init: bool = False) -> np.ndarray:
    """RGBT234 (``00001v.jpg``) or LasHeR (``v000001.jpg``) layout; returns the visible boxes."""
    vis_name, ir_name = ("v{i:06d}.png", "i{i:06d}.png") if lasher_names else ("{i:05d}v.png", "{i:05d}i.png")
    write_folder(root / "visible", n, "visible", vis_name)
    write_folder(root / "infrared", n, "infrared", ir_name)
    boxes = boxes_for(n, absent)
    if gt:
        write_lines(root / "visible.txt", boxes, sep)
        write_lines(root / "infrared.txt", boxes + [1, 1, 0, 0], sep)
    if init:
        write_lines(root / "init.txt", [[5, 6, 7, 8]], sep)
    return boxes


def make_gtot(root: Path, n: int = 5) -> np.ndarray:
    """GTOT layout with inclusive left-top-right-bottom files; returns the visible xywh boxes."""
    write_folder(root / "v", n, "visible", "{i:05d}v.png")
    write_folder(root / "i", n, "infrared", "{i:05d}i.png")
    boxes = boxes_for(n)
    ltrb = np.stack([boxes[:, 0], boxes[:, 1], boxes[:, 0] + boxes[:, 2] - 1, boxes[:, 1] + boxes[:, 3] - 1], axis=1)
    write_lines(root / "groundTruth_v.txt", ltrb, " ")
    write_lines(root / "groundTruth_i.txt", ltrb + [0, 1, 0, 1], " ")
    write_lines(root / "init.txt", [boxes[0]], "\t")
    return boxes


def make_video(path: Path, n: int, fps: float, modality: str = "visible", size: tuple[int, int] | None = None) -> Path:
    """A tiny video (MJPG in .avi, mp4v in .mp4) whose frame ``i`` is :func:`visible_frame`/:func:`infrared_frame`."""
    size = size or (VIS_SIZE if modality == "visible" else IR_SIZE)
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix == ".mp4" else "MJPG"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, size)
    assert writer.isOpened(), path
    for i in range(n):
        if modality == "visible":
            writer.write(cv2.cvtColor(visible_frame(i, size), cv2.COLOR_RGB2BGR))
        else:
            writer.write(cv2.cvtColor(infrared_frame(i, size), cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


class FakeCapture:
    """A stand-in for ``cv2.VideoCapture`` on a camera.

    Delivers ``frames`` BGR frames ``period`` seconds apart, then fails
    (``read() -> (False, None)``) or, with ``block_after``, blocks forever in
    ``read()`` from that frame on, like an unplugged USB camera.
    """

    def __init__(self, spec, frames: int = 1000, period: float = 0.01, fps: float = 0.0, opened: bool = True,
                 block_after: int | None = None, raise_after: int | None = None, grey: bool = False):
        self.spec = spec
        self.frames = frames
        self.period = period
        self.fps = fps
        self.opened = opened
        self.block_after = block_after
        self.raise_after = raise_after
        self.grey = grey
        self.count = 0
        self.released = False
        self._never = threading.Event()

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def get(self, prop: int) -> float:
        return self.fps if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        if self.block_after is not None and self.count >= self.block_after:
            self._never.wait()  # blocks forever (the reader thread is a daemon)
        if self.raise_after is not None and self.count >= self.raise_after:
            raise RuntimeError("device unplugged")
        if self.count >= self.frames or self.released:
            time.sleep(0.001)
            return False, None
        time.sleep(self.period)
        i = self.count
        self.count += 1
        if self.grey:
            return True, infrared_frame(i)
        return True, cv2.cvtColor(visible_frame(i), cv2.COLOR_RGB2BGR)

    def release(self) -> None:
        self.released = True


def fake_factory(per_spec: dict | None = None, **defaults):
    """A ``capture_factory`` building :class:`FakeCapture` objects (options per camera spec) and remembering them."""
    made: list[FakeCapture] = []

    def factory(spec):
        cap = FakeCapture(spec, **{**defaults, **(per_spec or {}).get(spec, {})})
        made.append(cap)
        return cap

    factory.made = made  # type: ignore[attr-defined]
    return factory
