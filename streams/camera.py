"""A live camera (an OpenCV device index or a stream URL) read without ever hanging.

A daemon thread calls ``capture.read()`` in a loop and keeps the newest few
frames (older ones are dropped as stale and counted in ``stale_dropped``), so
a slow tracker always gets recent frames. The consumer waits at most
``read_timeout`` seconds for each frame; a camera whose ``read()`` fails
``max_failures`` times in a row, raises, or blocks past the timeout raises
:class:`SourceError` naming the camera and the frame. Timestamps are
``time.monotonic()`` just after ``read()`` returns, minus ``origin`` (shared
by the two cameras of a pair, so their clocks compare).

The capture is made by ``capture_factory(spec)`` (``cv2.VideoCapture`` by
default), so tests pass a fake object with ``isOpened``, ``read``, ``get``
and ``release``.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable, Iterator

import cv2
import numpy as np

from core.errors import SourceError
from streams.imageio import convert_frame

CameraSpec = int | str


def parse_camera_spec(spec: CameraSpec) -> CameraSpec:
    """``"0"`` or ``0`` -> device index 0; anything else (a URL, a device path) is kept as text."""
    if isinstance(spec, bool):
        raise SourceError(f"camera {spec!r}: expected a device index or a URL")
    if isinstance(spec, int):
        if spec < 0:
            raise SourceError(f"camera {spec}: a device index cannot be negative")
        return spec
    text = str(spec).strip()
    if not text:
        raise SourceError("camera '': expected a device index or a URL")
    if text.isdigit():
        return int(text)
    return text


class CameraStream:
    """One camera as an endless iterator of ``(t, image)``; :meth:`close` stops it."""

    def __init__(self, spec: CameraSpec, modality: str, capture_factory: Callable[[CameraSpec], Any] = cv2.VideoCapture,
                 read_timeout: float = 2.0, max_failures: int = 5, buffer: int = 2, origin: float | None = None):
        if not read_timeout > 0 or max_failures < 1:
            raise ValueError(f"read_timeout must be > 0 and max_failures >= 1, got {read_timeout!r}, {max_failures!r}")
        self.spec = parse_camera_spec(spec)
        self.modality = modality
        self.name = f"camera {self.spec} ({modality})"
        self.read_timeout = float(read_timeout)
        self.max_failures = int(max_failures)
        self.origin = time.monotonic() if origin is None else origin
        self.delivered = 0
        self.stale_dropped = 0
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self._buffer = max(1, int(buffer))
        self._failure: str | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        try:
            self._cap = capture_factory(self.spec)
            opened = bool(self._cap.isOpened())
        except Exception as exc:  # noqa: BLE001 - any backend failure is a camera that cannot open
            raise SourceError(f"{self.name}: could not open ({type(exc).__name__}: {exc})") from None
        if not opened:
            self._release()
            raise SourceError(f"{self.name}: could not open (no such device, busy, or unreachable URL)")
        fps = self._get(cv2.CAP_PROP_FPS)
        self.fps: float | None = fps if fps and 0.1 <= fps <= 1000 else None
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _get(self, prop: int) -> float:
        try:
            return float(self._cap.get(prop))
        except Exception:  # noqa: BLE001 - a missing property is just unknown
            return 0.0

    def _fail(self, message: str) -> None:
        with self._cond:
            self._failure = message
            self._cond.notify_all()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                ok, frame = self._cap.read()
            except Exception as exc:  # noqa: BLE001 - reported to the consumer as a SourceError
                self._fail(f"read raised {type(exc).__name__}: {exc}")
                return
            t = time.monotonic() - self.origin
            if not ok or frame is None:
                failures += 1
                if failures >= self.max_failures:
                    self._fail(f"read failed {failures} times in a row (disconnected?)")
                    return
                self._stop.wait(0.01)
                continue
            failures = 0
            with self._cond:
                if len(self._frames) >= self._buffer:
                    self._frames.popleft()
                    self.stale_dropped += 1
                self._frames.append((t, frame))
                self._cond.notify_all()

    def read(self) -> tuple[float, np.ndarray]:
        """The next frame, waiting at most ``read_timeout`` seconds."""
        frame_no = self.delivered
        deadline = time.monotonic() + self.read_timeout
        with self._cond:
            while not self._frames and self._failure is None and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SourceError(f"{self.name}: frame {frame_no}: no frame within {self.read_timeout:g} s "
                                      "(disconnected or stalled)")
                self._cond.wait(remaining)
            if self._frames:
                t, raw = self._frames.popleft()
            elif self._failure is not None:
                raise SourceError(f"{self.name}: frame {frame_no}: {self._failure}")
            else:
                raise SourceError(f"{self.name}: frame {frame_no}: the camera was closed")
        self.delivered += 1
        return t, convert_frame(raw, self.modality)

    def __iter__(self) -> Iterator[tuple[float, np.ndarray]]:
        while not self._stop.is_set():
            yield self.read()

    def close(self) -> None:
        """Stop the reading thread and release the capture.

        If ``read()`` is blocked inside the backend the thread cannot be
        joined; the capture is then left to the daemon thread rather than
        released under it.
        """
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=min(self.read_timeout, 1.0))
        if not self._thread.is_alive():
            self._release()

    def _release(self) -> None:
        try:
            self._cap.release()
        except Exception:  # noqa: BLE001 - nothing more to do with a broken capture
            pass
