"""The three ways in: a dataset sequence, a pair of files or folders, or cameras.

``open_sequence(folder)``      a VOT / RGBT234 / LasHeR / GTOT sequence folder
``open_pair(visible, infrared)``  two videos or two image folders (detected)
``open_cameras(visible, infrared=None)``  one or two cameras (index or URL)

All return a :class:`~streams.sources.PairSource`; use it as a context
manager and iterate :class:`~streams.frames.FramePair` values.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2

from core.errors import InputError, SourceError
from streams.calibration import load_calibration
from streams.camera import CameraSpec
from streams.imageio import IMAGE_EXTENSIONS
from streams.readers import DEFAULT_FPS, VIDEO_EXTENSIONS, check_fps
from streams.sequence import DatasetSequence, load_sequence
from streams.sources import CameraPairSource, FolderPairSource, PairSource, VideoPairSource


def open_sequence(path: str | Path, fps: float | None = None, allow_length_mismatch: bool = False) -> DatasetSequence:
    """Open a dataset sequence folder, detecting its layout (see :mod:`streams.layouts`)."""
    return load_sequence(path, fps=fps, allow_length_mismatch=allow_length_mismatch)


def _kind(path: Path, modality: str) -> str:
    if not path.exists():
        raise InputError(f"{path}: {modality} input not found")
    if path.is_dir():
        return "folder"
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        raise InputError(f"{path}: {modality} input is a single image; give a folder of images or a video")
    return "video"


def open_pair(visible: str | Path, infrared: str | Path, fps: float | None = None,
              allow_length_mismatch: bool = False, calibration: str | Path | None = None,
              leader: str = "faster", tolerance: float | None = None,
              capture_factory: Callable[..., Any] = cv2.VideoCapture) -> PairSource:
    """Two image folders (paired by index at ``fps``, default 30) or two videos (paired by timestamp).

    For videos ``fps`` is only the fallback for a file that has no frame
    rate; ``leader`` and ``tolerance`` tune the timestamp pairing (see
    :class:`~streams.sources.TimedPairSource`). ``calibration`` is an
    optional JSON homography file (:mod:`streams.calibration`).
    """
    vis, ir = Path(visible), Path(infrared)
    kinds = (_kind(vis, "visible"), _kind(ir, "infrared"))
    rate = DEFAULT_FPS if fps is None else check_fps(fps, "fps")
    calib = load_calibration(calibration) if calibration is not None else None
    source: PairSource
    if kinds == ("folder", "folder"):
        source = FolderPairSource(vis, ir, fps=rate, allow_length_mismatch=allow_length_mismatch)
    elif kinds == ("video", "video"):
        source = VideoPairSource(vis, ir, fallback_fps=rate, leader=leader, tolerance=tolerance,
                                 allow_length_mismatch=allow_length_mismatch, capture_factory=capture_factory)
    else:
        raise InputError(f"{vis} is a {kinds[0]} but {ir} is a {kinds[1]}: give two videos or two image folders "
                         f"(videos: {', '.join(VIDEO_EXTENSIONS)})")
    source.calibration = calib
    return source


def open_cameras(visible: CameraSpec | None, infrared: CameraSpec | None = None, thermal: bool = False,
                 read_timeout: float = 2.0, max_failures: int = 5, leader: str = "faster",
                 tolerance: float | None = None, calibration: str | Path | None = None,
                 capture_factory: Callable[[CameraSpec], Any] = cv2.VideoCapture) -> CameraPairSource:
    """One or two live cameras, each an OpenCV device index (``0`` or ``"0"``) or a URL.

    With a single camera (``infrared=None``) it is the **visible** stream and
    every pair's ``infrared`` is ``None``; pass ``thermal=True`` when that one
    camera is thermal, and it becomes the infrared stream (converted to grey)
    with ``visible`` ``None``. A camera that cannot open, or that stops
    delivering frames, raises :class:`SourceError` within ``read_timeout``
    seconds. ``capture_factory`` replaces ``cv2.VideoCapture`` (tests pass fakes).
    """
    if visible is None and infrared is None:
        raise SourceError("cameras: give at least one camera (an index like 0 or a URL)")
    if thermal:
        if infrared is not None and visible is not None:
            raise SourceError("cameras: thermal=True is for a single camera; with two, the second one is infrared")
        visible, infrared = None, visible if visible is not None else infrared
    calib = load_calibration(calibration) if calibration is not None else None
    source = CameraPairSource(visible, infrared, capture_factory=capture_factory, read_timeout=read_timeout,
                              max_failures=max_failures, leader=leader, tolerance=tolerance)
    source.calibration = calib
    return source
