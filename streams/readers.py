"""Single-stream readers: a folder of images and a video file.

Each yields ``(t, image)`` with ``t`` in seconds from the stream's start and
the image already in HeteroTrack's convention for its modality (see
:mod:`streams.imageio`). Pair sources in :mod:`streams.sources` combine two.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Iterator, Sequence

import cv2
import numpy as np

from core.errors import InputError, SourceError
from streams.imageio import convert_frame, list_images, read_image

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".wmv", ".webm", ".ts", ".mjpeg")
DEFAULT_FPS = 30.0
# Frame rates outside this range reported by a container are treated as missing.
_FPS_RANGE = (0.1, 1000.0)


def check_fps(fps: float, where: str) -> float:
    """Validate a user-given frame rate."""
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise InputError(f"{where}: frame rate must be a positive number, got {fps!r}")
    return float(fps)


class ImageFolderStream:
    """The images of one folder in natural order, at a fixed frame rate (``t = index / fps``)."""

    def __init__(self, paths: Sequence[Path], modality: str, fps: float = DEFAULT_FPS, name: str = ""):
        self.paths = list(paths)
        self.modality = modality
        self.fps = check_fps(fps, name or "image folder")
        self.name = name or (str(self.paths[0].parent) if self.paths else "")

    @classmethod
    def from_folder(cls, folder: str | Path, modality: str, fps: float = DEFAULT_FPS) -> "ImageFolderStream":
        return cls(list_images(folder, f"{modality} image folder"), modality, fps, name=str(folder))

    def __len__(self) -> int:
        return len(self.paths)

    def read(self, index: int) -> np.ndarray:
        """The decoded frame ``index`` (:class:`InputError` naming file and frame if corrupt)."""
        return read_image(self.paths[index], self.modality, index)

    def timestamp(self, index: int) -> float:
        return index / self.fps

    def __iter__(self) -> Iterator[tuple[float, np.ndarray]]:
        for i in range(len(self.paths)):
            yield self.timestamp(i), self.read(i)


CaptureFactory = Callable[..., "cv2.VideoCapture"]


class VideoStream:
    """One video file, read sequentially; every iteration reopens the file.

    ``t`` is the frame's ``CAP_PROP_POS_MSEC`` when the container gives an
    increasing one, otherwise ``index / fps``. ``fps`` comes from the
    container, or ``fallback_fps`` (with a notice) when it has none.
    Opening checks that the file exists and that a first frame decodes.
    """

    def __init__(self, path: str | Path, modality: str, fallback_fps: float = DEFAULT_FPS,
                 capture_factory: CaptureFactory = cv2.VideoCapture):
        self.path = Path(path)
        self.modality = modality
        self.name = str(self.path)
        self.notices: list[str] = []
        self._factory = capture_factory
        if not self.path.exists():
            raise InputError(f"{self.path}: {modality} video not found")
        if not self.path.is_file():
            raise InputError(f"{self.path}: {modality} video is not a file")
        cap = self._open()
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            ok, frame = cap.read()
        finally:
            cap.release()
        if not ok or frame is None:
            raise SourceError(f"{self.path}: frame 0: no frame could be decoded (empty or corrupt video)")
        self.frame_size = (int(frame.shape[1]), int(frame.shape[0]))
        if math.isfinite(fps) and _FPS_RANGE[0] <= fps <= _FPS_RANGE[1]:
            self.fps = fps
        else:
            self.fps = check_fps(fallback_fps, str(self.path))
            self.notices.append(f"{self.path}: the video has no frame rate; assuming {self.fps:g} fps")
        self.frame_count: int | None = count if count > 0 else None

    def _open(self) -> "cv2.VideoCapture":
        try:
            cap = self._factory(str(self.path))
        except (cv2.error, OSError, ValueError) as exc:
            raise SourceError(f"{self.path}: cannot open video ({exc})") from None
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.path}: cannot open video (not a video file, corrupt, "
                              "or a codec this OpenCV build lacks)")
        return cap

    @property
    def duration(self) -> float | None:
        """Length in seconds from the frame count, if the container reports one."""
        return None if self.frame_count is None else self.frame_count / self.fps

    def __iter__(self) -> Iterator[tuple[float, np.ndarray]]:
        cap = self._open()
        index = 0
        previous = -math.inf
        try:
            while True:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                t = float(cap.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
                if not (math.isfinite(t) and t > previous) or (index > 0 and t == 0.0):
                    t = previous + 1.0 / self.fps if index > 0 else index / self.fps
                previous = t
                yield t, convert_frame(frame, self.modality)
                index += 1
        finally:
            cap.release()
        if self.frame_count is not None and index < self.frame_count:
            self.notices.append(f"{self.path}: frame {index}: the video ended after {index} of "
                                f"{self.frame_count} frames (truncated or corrupt)")
