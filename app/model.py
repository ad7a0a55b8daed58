"""The application state in plain Python (no Qt), so tests can drive it and widgets can subscribe.

Widgets read :class:`AppModel` and connect to its events, like napari's
viewer model. The worker's updates go in through :meth:`AppModel.record`
(cheap, once per frame); :meth:`AppModel.publish` notifies the views at
display rate, with the newest frame only.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from app.history import TrackHistory
from app.updates import BackendInfo, FrameUpdate, SourceInfo


class Event:
    """A minimal callback list: ``connect(fn)``, ``emit(*args)``."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)

    @property
    def callbacks(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._callbacks)


class AppModel:
    """Source, backend, the newest frame, the history and the playback settings."""

    SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 0.0)  # 0 = as fast as possible

    def __init__(self, trail_length: int = 60):
        self.trail_length = trail_length
        self.info: SourceInfo | None = None
        self.backend: BackendInfo | None = None
        self.current: FrameUpdate | None = None
        self.history = TrackHistory()
        self.playing = False
        self.realtime = False
        self.speed = 1.0
        self.mode = "fused"
        self.weights: str | None = None
        self.tracker_fps: float | None = None
        self.display_fps: float | None = None
        self.frames_processed = 0
        self._dirty = False
        self.source_changed = Event()   # (SourceInfo)
        self.backend_changed = Event()  # (BackendInfo)
        self.frame_recorded = Event()   # (FrameUpdate), every frame
        self.changed = Event()          # (FrameUpdate), at display rate
        self.playing_changed = Event()  # (bool)
        self.mode_changed = Event()     # (str)

    def set_source(self, info: SourceInfo) -> None:
        self.info = info
        self.history = TrackHistory()
        self.current = None
        self.tracker_fps = None
        self.source_changed.emit(info)

    def set_backend(self, info: BackendInfo) -> None:
        self.backend = info
        self.weights = info.weights
        self.backend_changed.emit(info)
        self.set_mode(info.mode)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_changed.emit(mode)

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playing_changed.emit(playing)

    def record(self, update: FrameUpdate) -> None:
        """Take one frame from the worker: history, fps estimate, and mark the views dirty."""
        self.history.record(update)
        if update.tracker_ms:
            fps = 1e3 / update.tracker_ms
            self.tracker_fps = fps if self.tracker_fps is None else 0.8 * self.tracker_fps + 0.2 * fps
        if update.kind == "track":
            self.frames_processed += 1
        self.current = update
        self._dirty = True
        self.frame_recorded.emit(update)

    def publish(self) -> bool:
        """Notify the views of the newest frame if anything changed; returns whether it did."""
        if not self._dirty or self.current is None:
            return False
        self._dirty = False
        self.changed.emit(self.current)
        return True

    def take_pending(self) -> FrameUpdate | None:
        """The newest frame if the views have not seen it yet (and mark it seen), else ``None``.

        For drawing in stages: the caller then runs ``changed.callbacks`` itself.
        """
        if not self._dirty or self.current is None:
            return None
        self._dirty = False
        return self.current

    def touch(self) -> None:
        """Ask for a redraw of the current frame (e.g. after a display option changed)."""
        self._dirty = self.current is not None

    # ------------------------------------------------------- derived views
    def display_box(self, update: FrameUpdate) -> tuple[np.ndarray | None, str]:
        """The box and state to draw on ``update``'s frame: its own, else the recorded one."""
        if np.all(np.isfinite(update.box)):
            return update.box, update.state
        box = self.history.box_at(update.index)
        return box, (self.history.state_at(update.index) or update.kind)

    @property
    def can_seek(self) -> bool:
        return self.info is not None and self.info.indexed
