"""The tracking worker: a QObject living in its own QThread around a :class:`TrackingEngine`.

The GUI sends commands through :class:`WorkerCommands` signals (queued across
threads) and gets :class:`~app.updates.FrameUpdate` s back through
:attr:`TrackingWorker.frameReady`; the GUI thread never tracks. Playback is
a single-shot timer per frame, so commands (pause, seek, a new box) are
handled between frames. Files: every frame is processed, paced to
``fps × speed`` (speed 0 = as fast as possible); with real-time playback,
frames the tracker cannot keep up with are skipped. Live cameras: the
newest frame is always taken (stale ones are dropped by the reader).
"""
from __future__ import annotations

import time
import traceback

from PyQt6 import QtCore

from app.engine import TrackingEngine
from app.live import SourceEnded
from core.errors import HeteroTrackError


def for_the_window(message: str) -> str:
    """Reword API advice in an error message for someone using the window."""
    return message.replace("pass allow_length_mismatch to use",
                           "tick 'Streams may differ in length' in the Open dialog (or --allow-length-mismatch) "
                           "to use")


class WorkerCommands(QtCore.QObject):
    """GUI-side signals, each connected to the worker slot of the same name."""

    open = QtCore.pyqtSignal(object)            # SourceSpec
    select = QtCore.pyqtSignal(object, str)     # box, modality
    play = QtCore.pyqtSignal()
    pause = QtCore.pyqtSignal()
    step = QtCore.pyqtSignal()
    seek = QtCore.pyqtSignal(int)
    set_mode = QtCore.pyqtSignal(str)
    set_weights = QtCore.pyqtSignal(object, bool)  # path or None, classic
    set_speed = QtCore.pyqtSignal(float)
    set_realtime = QtCore.pyqtSignal(bool)
    set_want = QtCore.pyqtSignal(object)        # tuple of "attention"/"features"
    stop_after = QtCore.pyqtSignal(int)         # pause after N tracked frames (0 = never)
    start_video = QtCore.pyqtSignal(str)
    stop_video = QtCore.pyqtSignal()
    shutdown = QtCore.pyqtSignal()


class TrackingWorker(QtCore.QObject):
    """Runs the engine; every outcome is a signal, every failure a message (never an exception)."""

    opened = QtCore.pyqtSignal(object)          # SourceInfo
    openFailed = QtCore.pyqtSignal(object)      # the SourceSpec that could not be opened
    frameReady = QtCore.pyqtSignal(object)      # FrameUpdate
    backendChanged = QtCore.pyqtSignal(object)  # BackendInfo
    modeChanged = QtCore.pyqtSignal(str)        # the tracking mode now in use
    playingChanged = QtCore.pyqtSignal(bool)
    message = QtCore.pyqtSignal(str, str)       # level (error/warning/info), text
    videoStopped = QtCore.pyqtSignal(str, int)  # path, frames
    busy = QtCore.pyqtSignal(str)               # what the worker is doing ("" when idle)
    finished = QtCore.pyqtSignal()

    def __init__(self, engine: TrackingEngine):
        super().__init__()
        self.engine = engine
        self.playing = False
        self.speed = 1.0
        self.realtime = False
        self._stop_after = 0
        self._tracked = 0
        self._video_path = ""
        self._clock: tuple[float, int] | None = None  # (wall time, frame index) of the real-time anchor
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def connect_commands(self, commands: WorkerCommands) -> None:
        for name in ("open", "select", "play", "pause", "step", "seek", "set_mode", "set_weights", "set_speed",
                     "set_realtime", "set_want", "stop_after", "start_video", "stop_video", "shutdown"):
            getattr(commands, name).connect(getattr(self, f"on_{name}"))

    # ------------------------------------------------------------ helpers
    def _guard(self, what: str, fn, *args):
        """Run an engine call; report failures as messages and pause. Returns the call's value or None."""
        try:
            return fn(*args)
        except SourceEnded as exc:
            self._set_playing(False)
            self.message.emit("info", str(exc))
        except HeteroTrackError as exc:
            self._set_playing(False)
            self.message.emit("error", for_the_window(str(exc)))
        except Exception as exc:  # noqa: BLE001 - an internal error must not kill the thread or the window
            self._set_playing(False)
            traceback.print_exc()
            self.message.emit("error", f"{what}: internal error {type(exc).__name__}: {exc} (details on the console)")
        return None

    def _emit(self, update) -> None:
        if update is not None:
            self.frameReady.emit(update)

    def _set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)
        if not playing:
            self._timer.stop()
            self._clock = None

    def _ensure_backend(self) -> bool:
        if self.engine.backend is not None:
            return True
        self.busy.emit("loading the matcher")
        info = self._guard("load matcher", self.engine.backend_info)
        self.busy.emit("")
        if info is not None:
            self.backendChanged.emit(info)
        return info is not None

    # -------------------------------------------------------------- slots
    @QtCore.pyqtSlot(object)
    def on_open(self, spec) -> None:
        self._set_playing(False)
        self.busy.emit(f"opening {spec.label()}")
        opened = self._guard("open", self.engine.open, spec)
        self.busy.emit("")
        if opened is None:
            self.openFailed.emit(spec)
            return
        info, update = opened
        self.opened.emit(info)
        for notice in info.notices:
            self.message.emit("warning", notice)
        self._emit(update)
        if info.live:  # a live preview until the user pauses to select
            self._start()

    @QtCore.pyqtSlot(object, str)
    def on_select(self, box, modality: str) -> None:
        if not self._ensure_backend():
            return
        update = self._guard("select target", self.engine.select, box, modality)
        if update is not None:
            self._tracked = 0
        self._emit(update)

    @QtCore.pyqtSlot()
    def on_play(self) -> None:
        if self.engine.source is None:
            self.message.emit("warning", "nothing to play: open a source first (File > Open)")
            return
        self._start()

    def _start(self) -> None:
        self._set_playing(True)
        self._clock = None
        self._timer.start(0)

    @QtCore.pyqtSlot()
    def on_pause(self) -> None:
        self._set_playing(False)

    @QtCore.pyqtSlot()
    def on_step(self) -> None:
        self._set_playing(False)
        self._process(0)

    @QtCore.pyqtSlot(int)
    def on_seek(self, index: int) -> None:
        self._set_playing(False)
        self._emit(self._guard("seek", self.engine.seek, index))

    @QtCore.pyqtSlot(str)
    def on_set_mode(self, mode: str) -> None:
        update = self._guard("mode", self.engine.set_mode, mode)
        self.modeChanged.emit(self.engine.config.mode)  # also after a failure, so the controls resync
        if self.engine.config.mode == mode:
            self._emit(update)

    @QtCore.pyqtSlot(object, bool)
    def on_set_weights(self, path, classic: bool) -> None:
        self.busy.emit("loading weights")
        out = self._guard("load weights", self.engine.set_weights, path, classic)
        self.busy.emit("")
        if out is not None:
            info, update = out
            self.backendChanged.emit(info)
            self.message.emit("info", f"matcher: {info.name}")
            self._emit(update)

    @QtCore.pyqtSlot(float)
    def on_set_speed(self, speed: float) -> None:
        self.speed = max(float(speed), 0.0)
        self._clock = None

    @QtCore.pyqtSlot(bool)
    def on_set_realtime(self, on: bool) -> None:
        self.realtime = bool(on)
        self._clock = None

    @QtCore.pyqtSlot(object)
    def on_set_want(self, want) -> None:
        self.engine.want = tuple(want)

    @QtCore.pyqtSlot(int)
    def on_stop_after(self, frames: int) -> None:
        self._stop_after = max(int(frames), 0)
        self._tracked = 0

    @QtCore.pyqtSlot(str)
    def on_start_video(self, path: str) -> None:
        if self._guard("record video", self.engine.start_video, path) is None and self.engine.recording:
            self._video_path = path
            self.message.emit("info", f"recording the annotated video to {path}")

    @QtCore.pyqtSlot()
    def on_stop_video(self) -> None:
        frames = self._guard("stop video", self.engine.stop_video)
        if frames is not None and self._video_path:
            self.videoStopped.emit(self._video_path, frames)
            self._video_path = ""

    @QtCore.pyqtSlot()
    def on_shutdown(self) -> None:
        self._set_playing(False)
        self.on_stop_video()
        self._guard("close", self.engine.shutdown)
        self.finished.emit()

    # ----------------------------------------------------------- playback
    def _skip(self) -> int:
        """Frames to skip so playback keeps to the clock (real-time playback of a file only)."""
        info = self.engine.info
        if not self.realtime or info is None or info.live or self.speed <= 0:
            return 0
        now = time.monotonic()
        if self._clock is None:
            self._clock = (now, self.engine.index)
            return 0
        t0, i0 = self._clock
        due = i0 + int((now - t0) * info.fps * self.speed)
        return max(due - (self.engine.index + 1), 0)

    def _process(self, skip: int) -> bool:
        tracking = self.engine.tracking
        if tracking and not self._ensure_backend():
            return False
        update = self._guard("track", self.engine.advance, skip)
        if update is None:
            return False
        self._emit(update)
        if update.kind == "track":
            self._tracked += 1
            if self._stop_after and self._tracked >= self._stop_after:
                self._set_playing(False)
                self.message.emit("info", f"stopped after {self._tracked} tracked frames")
        return True

    @QtCore.pyqtSlot()
    def _tick(self) -> None:
        if not self.playing:
            return
        started = time.monotonic()
        if not self._process(self._skip()) or not self.playing:
            return
        info = self.engine.info
        delay = 0.0
        if info is not None and not info.live and self.speed > 0:
            period = 1.0 / (info.fps * self.speed)
            if self.realtime and self._clock is not None:
                t0, i0 = self._clock
                delay = t0 + (self.engine.index + 1 - i0) * period - time.monotonic()
            else:
                delay = period - (time.monotonic() - started)
        self._timer.start(max(int(delay * 1000), 0))
