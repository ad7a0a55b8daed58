"""Frame-pair sources: two image folders, two video files, one or two cameras.

Every source iterates :class:`~streams.frames.FramePair` values and shares
the :class:`PairSource` interface (``name``, ``fps``, ``length``,
``notices``, ``calibration``, ``sync_report``, ``close`` and use as a
context manager). Folders pair frames by index; videos and cameras pair them
by timestamp with :class:`streams.sync.TimestampSync`. Build them with the
openers in :mod:`streams.open`, which pick the right class.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, Iterator

import cv2
import numpy as np

from core.errors import InputError, SourceError
from streams.calibration import Calibration
from streams.camera import CameraSpec, CameraStream
from streams.frames import FramePair
from streams.readers import DEFAULT_FPS, CaptureFactory, ImageFolderStream, VideoStream
from streams.sync import (SyncReport, TimestampSync, choose_leader, default_tolerance, index_report,
                          pair_by_index)


class PairSource:
    """What every source offers; iterate it for :class:`FramePair` values.

    ``length`` is the number of pairs when known (``None`` for cameras),
    ``notices`` collects things the user should know that are not errors
    (a truncated stream, a guessed frame rate), ``calibration`` is the
    IR-to-visible homography when one was given.
    """

    name: str = ""
    layout: str = ""
    fps: float | None = None
    length: int | None = None
    live: bool = False
    calibration: Calibration | None = None

    def __init__(self) -> None:
        self.notices: list[str] = []

    def __iter__(self) -> Iterator[FramePair]:
        raise NotImplementedError

    @property
    def sync_report(self) -> SyncReport | None:
        """How the two streams were paired (so far), or ``None`` before iterating."""
        return None

    def close(self) -> None:
        """Release files and devices; safe to call twice."""

    def __enter__(self) -> "PairSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class IndexedPairSource(PairSource):
    """Two image streams paired by index, with random access by :meth:`frame`.

    Different frame counts raise :class:`InputError` naming both, unless
    ``allow_length_mismatch``: then both are cut to the shorter and a notice
    says so. Timestamps are ``index / fps``.
    """

    def __init__(self, visible: ImageFolderStream, infrared: ImageFolderStream, name: str = "",
                 allow_length_mismatch: bool = False):
        super().__init__()
        self.visible = visible
        self.infrared = infrared
        self.name = name or visible.name
        self.fps = visible.fps
        n, notices = pair_by_index(len(visible), len(infrared), f"visible {visible.name}",
                                   f"infrared {infrared.name}", allow_length_mismatch)
        self.notices.extend(notices)
        self.length = n

    def __len__(self) -> int:
        assert self.length is not None
        return self.length

    def frame(self, index: int) -> FramePair:
        """Pair ``index`` (0-based); corrupt images raise :class:`InputError` naming file and frame."""
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} out of range for {len(self)} frames")
        return FramePair(index, self.visible.read(index), self.infrared.read(index),
                         self.visible.timestamp(index), self.infrared.timestamp(index))

    def __iter__(self) -> Iterator[FramePair]:
        for i in range(len(self)):
            yield self.frame(i)

    def iter_tolerant(self, log: Callable[[str], None]) -> Iterator[FramePair]:
        """Like iterating, but an image that fails to decode becomes ``None`` for that modality.

        Each failure is passed to ``log`` (the message names the file and
        frame), so a tracker treats it as a missing frame and carries on.
        """
        for i in range(len(self)):
            images = []
            for stream in (self.visible, self.infrared):
                try:
                    images.append(stream.read(i))
                except InputError as exc:
                    log(f"skipped: {exc}")
                    images.append(None)
            yield FramePair(i, images[0], images[1], self.visible.timestamp(i), self.infrared.timestamp(i))

    @property
    def sync_report(self) -> SyncReport:
        """The index pairing: ``length`` pairs, the tail of a longer stream dropped."""
        return index_report(len(self.visible), len(self.infrared), len(self))


class FolderPairSource(IndexedPairSource):
    """Two folders of images (natural order), paired by index at ``fps``."""

    layout = "folders"

    def __init__(self, visible_dir: Any, infrared_dir: Any, fps: float = DEFAULT_FPS,
                 allow_length_mismatch: bool = False):
        super().__init__(ImageFolderStream.from_folder(visible_dir, "visible", fps),
                         ImageFolderStream.from_folder(infrared_dir, "infrared", fps),
                         allow_length_mismatch=allow_length_mismatch)


class TimedPairSource(PairSource):
    """Two timestamped streams paired by :class:`TimestampSync`.

    ``leader`` is 'faster' (the higher frame rate, visible on a tie),
    'visible' or 'infrared'; ``tolerance`` defaults to half the follower's
    frame period. Frames after ``end_time`` seconds are not used.
    """

    def __init__(self, visible: Any, infrared: Any, leader: str = "faster", tolerance: float | None = None,
                 end_time: float | None = None, name: str = ""):
        super().__init__()
        self.visible_stream = visible
        self.infrared_stream = infrared
        self.leader = choose_leader(visible.fps, infrared.fps, leader)
        follower = infrared if self.leader == "visible" else visible
        self.tolerance = default_tolerance(follower.fps) if tolerance is None else float(tolerance)
        if not self.tolerance >= 0:
            raise InputError(f"{name or 'source'}: sync tolerance must be >= 0 seconds, got {tolerance!r}")
        self.fps = (visible if self.leader == "visible" else infrared).fps
        self.end_time = end_time
        self.name = name or f"{visible.name} + {infrared.name}"
        self._sync: TimestampSync | None = None

    def _limited(self, stream: Iterable[tuple[float, np.ndarray]]) -> Iterator[tuple[float, np.ndarray]]:
        it = iter(stream)
        try:
            for t, image in it:
                if self.end_time is not None and t >= self.end_time:
                    return
                yield t, image
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[FramePair]:
        sync = TimestampSync(self.tolerance, self.leader)
        self._sync = sync
        vis, ir = self._limited(self.visible_stream), self._limited(self.infrared_stream)
        ticks = sync.pairs(vis, ir)
        try:
            for tick in ticks:
                v, i = tick.visible, tick.infrared
                yield FramePair(tick.index, v.item if v else None, i.item if i else None,
                                v.t if v else None, i.t if i else None)
        finally:  # release both files now, even when the consumer stops early
            ticks.close()
            vis.close()
            ir.close()

    @property
    def sync_report(self) -> SyncReport | None:
        return None if self._sync is None else self._sync.report


class VideoPairSource(TimedPairSource):
    """Two video files, paired by timestamp (they may have different frame rates).

    Their durations must agree within half a frame; otherwise
    :class:`InputError` names both frame counts, unless
    ``allow_length_mismatch``, which keeps only the time both cover and adds
    a notice.
    """

    layout = "videos"

    def __init__(self, visible_path: Any, infrared_path: Any, fallback_fps: float = DEFAULT_FPS,
                 leader: str = "faster", tolerance: float | None = None, allow_length_mismatch: bool = False,
                 capture_factory: CaptureFactory = cv2.VideoCapture):
        vis = VideoStream(visible_path, "visible", fallback_fps, capture_factory)
        ir = VideoStream(infrared_path, "infrared", fallback_fps, capture_factory)
        end_time, notices = _check_durations(vis, ir, allow_length_mismatch)
        super().__init__(vis, ir, leader, tolerance, end_time)
        self.notices.extend(vis.notices + ir.notices + notices)
        lead = vis if self.leader == "visible" else ir
        if lead.frame_count is not None:
            cut = lead.frame_count if end_time is None else math.ceil(end_time * lead.fps - 1e-6)
            self.length = min(lead.frame_count, cut)

    def __iter__(self) -> Iterator[FramePair]:
        yield from super().__iter__()
        for stream in (self.visible_stream, self.infrared_stream):  # e.g. a video that ended early
            self.notices.extend(n for n in stream.notices if n not in self.notices)


def _check_durations(vis: VideoStream, ir: VideoStream, allow: bool) -> tuple[float | None, list[str]]:
    if vis.duration is None or ir.duration is None:
        return None, [f"{vis.path} / {ir.path}: a video does not report its frame count; lengths not checked"]
    half_frame = 0.5 / min(vis.fps, ir.fps)
    if abs(vis.duration - ir.duration) <= half_frame:
        return None, []
    counts = (f"visible video {vis.path} has {vis.frame_count} frames ({vis.duration:.2f} s at {vis.fps:g} fps) "
              f"but infrared video {ir.path} has {ir.frame_count} frames ({ir.duration:.2f} s at {ir.fps:g} fps)")
    if not allow:
        raise InputError(f"{counts} (pass allow_length_mismatch to use the time both cover)")
    end = min(vis.duration, ir.duration)
    return end - 1e-6, [f"{counts}; using the first {end:.2f} s of each"]


class CameraPairSource(PairSource):
    """One or two live cameras (OpenCV index or URL); runs until closed or a camera fails.

    With one camera the other modality is ``None`` in every pair. With two,
    frames are paired by capture time (``leader``/``tolerance`` as in
    :class:`TimedPairSource`; 0.05 s when the follower's frame rate is
    unknown). A camera that cannot open, stops delivering, or blocks raises
    :class:`SourceError` naming it and the frame, after at most
    ``read_timeout`` seconds.
    """

    layout = "cameras"
    live = True

    def __init__(self, visible: CameraSpec | None, infrared: CameraSpec | None,
                 capture_factory: Callable[[CameraSpec], Any] = cv2.VideoCapture, read_timeout: float = 2.0,
                 max_failures: int = 5, leader: str = "faster", tolerance: float | None = None):
        super().__init__()
        if visible is None and infrared is None:
            raise SourceError("cameras: give at least one camera")
        origin = time.monotonic()  # one clock origin for both cameras, so their timestamps compare
        self.cameras: dict[str, CameraStream] = {}
        try:
            for modality, spec in (("visible", visible), ("infrared", infrared)):
                if spec is not None:
                    self.cameras[modality] = CameraStream(spec, modality, capture_factory, read_timeout,
                                                          max_failures, origin=origin)
        except SourceError:
            self.close()
            raise
        self.name = " + ".join(c.name for c in self.cameras.values())
        self._timed: TimedPairSource | None = None
        if len(self.cameras) == 2:
            self._timed = TimedPairSource(self.cameras["visible"], self.cameras["infrared"], leader, tolerance,
                                          name=self.name)
            self.fps = self._timed.fps
        else:
            self.fps = next(iter(self.cameras.values())).fps

    def __iter__(self) -> Iterator[FramePair]:
        if self._timed is not None:
            yield from self._timed
            return
        modality, camera = next(iter(self.cameras.items()))
        for index, (t, image) in enumerate(camera):
            if modality == "visible":
                yield FramePair(index, image, None, t, None)
            else:
                yield FramePair(index, None, image, None, t)

    @property
    def sync_report(self) -> SyncReport | None:
        return None if self._timed is None else self._timed.sync_report

    @property
    def tolerance(self) -> float | None:
        """The pairing tolerance in seconds (``None`` with one camera)."""
        return None if self._timed is None else self._timed.tolerance

    @property
    def stale_dropped(self) -> dict[str, int]:
        """Frames each camera overwrote before they were read (the consumer was slower)."""
        return {m: c.stale_dropped for m, c in self.cameras.items()}

    def close(self) -> None:
        for camera in self.cameras.values():
            camera.close()
