"""The main window: menus, toolbar, image pair, docks (score maps, attention, features, plots), status bar.

It owns the plain-Python :class:`~app.model.AppModel` and a
:class:`~app.worker.TrackingWorker` on its own thread; the GUI thread only
records results and draws (at most every ``draw_interval_ms``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from app import theme
from app.engine import TrackingEngine
from app.export import ResultsExporter, save_widget_png
from app.model import AppModel
from app.session_file import Session, load_session, save_session
from app.settings import AppSettings
from app.sources import SourceSpec
from app.updates import FrameUpdate, SourceInfo
from app.views.attention import AttentionView
from app.views.features import FeaturesView
from app.views.image_pair import ImagePairView
from app.views.plots import TimePlotsView
from app.views.score_maps import ScoreMapsView
from app.views.status import MessageBar, StatusPanel
from app.views.transport import TransportBar
from app.window_dialogs import DialogsMixin
from app.window_menus import MenusMixin
from app.worker import TrackingWorker, WorkerCommands
from core.errors import HeteroTrackError
from tracker.config import MODES


class MainWindow(MenusMixin, DialogsMixin, QtWidgets.QMainWindow):
    closed = QtCore.pyqtSignal()  # after the window closed and the worker stopped

    def __init__(self, settings: AppSettings | None = None, engine: TrackingEngine | None = None,
                 capture_factory: Callable[..., Any] = cv2.VideoCapture, draw_interval_ms: int = 33,
                 persist_layout: bool = True):
        super().__init__()
        self.persist_layout = persist_layout
        theme.configure_pyqtgraph()
        self.settings = settings or AppSettings()
        self.capture_factory = capture_factory
        self.model = AppModel()
        self.engine = engine or TrackingEngine(capture_factory=capture_factory)
        self.exporter: ResultsExporter | None = None
        self.recording_path = ""
        self.select_mode = False
        self.selection: tuple[np.ndarray, str, int] | None = None  # box (visible coords), modality, frame
        self._after_open: list[Callable[[SourceInfo], None]] = []
        self._start_worker()
        self.setWindowTitle("HeteroTrack")
        self._build_actions()
        self._build_views()
        self._build_menus()
        self._connect_worker()
        self._draw_timer = QtCore.QTimer(self)
        self._draw_timer.setInterval(draw_interval_ms)
        self._draw_timer.timeout.connect(self._draw)
        self._stages: list[Callable[[FrameUpdate], None]] = []
        self._stage_timer = QtCore.QTimer(self)
        self._stage_timer.setSingleShot(True)
        self._stage_timer.timeout.connect(self._draw_stage)
        self._draw_timer.start()
        self._poll_timer = QtCore.QTimer(self)
        self._poll_timer.setInterval(250)
        self._poll_timer.timeout.connect(self.status.poll_progress)
        self._poll_timer.start()
        self._update_selection_state()
        self._restore_settings()

    # ------------------------------------------------------------ worker
    def _start_worker(self) -> None:
        self.thread = QtCore.QThread(self)
        self.thread.setObjectName("tracking")
        self.worker = TrackingWorker(self.engine)
        self.worker.moveToThread(self.thread)
        self.commands = WorkerCommands(self)
        self.worker.connect_commands(self.commands)
        self.worker.finished.connect(self.thread.quit, QtCore.Qt.ConnectionType.DirectConnection)
        self.thread.start()

    def _connect_worker(self) -> None:
        w = self.worker
        w.opened.connect(self._on_opened)
        w.openFailed.connect(lambda _spec: self._after_open.clear())
        w.frameReady.connect(self._on_frame)
        w.backendChanged.connect(self.model.set_backend)
        w.modeChanged.connect(self.model.set_mode)
        w.playingChanged.connect(self._on_playing)
        w.message.connect(self.show_message)
        w.busy.connect(self.status.set_busy)
        w.videoStopped.connect(self._on_video_stopped)
        self.model.mode_changed.connect(self._on_mode)
        self.model.frame_recorded.connect(self._sync_export)

    def _build_views(self) -> None:
        self.message_bar = MessageBar()
        self.images = ImagePairView(self.model)
        self.images.boxDrawn.connect(self.select_target)
        self.transport = TransportBar(self.model, self.actions_by_key)
        self.transport.seekRequested.connect(self.seek)
        self.transport.speed.currentIndexChanged.connect(
            lambda _: self.set_speed(self.transport.speed.currentData()))
        self.transport.realtime.toggled.connect(self.actions_by_key["realtime"].setChecked)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.images, 1)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)
        self.score_maps = ScoreMapsView(self.model)
        self.attention = AttentionView(self.model)
        self.features = FeaturesView(self.model)
        self.plots = TimePlotsView(self.model, self.engine.config.lost_threshold)
        self.plots.seekRequested.connect(self.seek)
        self.score_maps.response.currentIndexChanged.connect(
            lambda i: self.actions_by_key["windowed"].setChecked(i == 1))
        right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
        bottom = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
        self.docks = {}
        for key, title, widget, area in (("scores", "Score maps", self.score_maps, right),
                                         ("attention", "Attention", self.attention, right),
                                         ("features", "Feature maps", self.features, right),
                                         ("plots", "Time plots", self.plots, bottom)):
            dock = QtWidgets.QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(widget)
            dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, right)
        self.splitDockWidget(self.docks["scores"], self.docks["attention"], QtCore.Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.docks["attention"], self.docks["features"])
        self.docks["attention"].raise_()
        self.setDockOptions(QtWidgets.QMainWindow.DockOption.AnimatedDocks
                            | QtWidgets.QMainWindow.DockOption.AllowTabbedDocks)

        self.status = StatusPanel(self.model, self.statusBar())
        self.model.changed.connect(self.transport.show_frame)
        self._build_toolbar()

    # ------------------------------------------------------------- drawing
    def _draw(self) -> None:
        """Draw the newest frame, one view per event-loop turn so no single step blocks the GUI for long."""
        if self._stages:
            return  # the previous frame is still being drawn
        update = self.model.take_pending()
        if update is not None:
            self._stages = list(self.model.changed.callbacks)
            self._draw_stage()

    def redraw_now(self) -> None:
        """Draw the newest frame in every view right away (before a screenshot, in tests)."""
        self._stages = []
        self._stage_timer.stop()
        self.model.touch()
        self.model.publish()

    def _draw_stage(self) -> None:
        if not self._stages or self.model.current is None:
            self._stages = []
            return
        callback = self._stages.pop(0)
        try:
            callback(self.model.current)  # the newest frame, even if it arrived during this pass
        finally:
            if self._stages:
                self._stage_timer.start(0)

    # ------------------------------------------------------------- state
    def show_message(self, level: str, text: str) -> None:
        """Non-modal message at the top of the window (errors stay until closed)."""
        self.message_bar.show_message(level, text)
        if level == "error":
            self.status.set_busy("")

    def _user_action(self, fn: Callable[[], Any]) -> Any:
        """Run a GUI-side action; user errors become messages in the window."""
        try:
            return fn()
        except HeteroTrackError as exc:
            self.show_message("error", str(exc))
        except OSError as exc:
            self.show_message("error", f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")
        return None

    def _on_opened(self, info: SourceInfo) -> None:
        if self.exporter is not None:
            self.stop_results_export()
        self.model.set_source(info)
        self.selection = None
        self.images.show_pending(None)
        self.setWindowTitle(f"HeteroTrack — {info.spec.label()}")
        if info.spec.kind != "demo":
            self.settings.add_recent(info.spec)
        callbacks, self._after_open = self._after_open, []
        for callback in callbacks:
            callback(info)
        self._update_selection_state()

    def _on_frame(self, update: FrameUpdate) -> None:
        self.model.record(update)
        if update.kind == "init":
            self.images.show_pending(None)
            if update.pair.visible is not None:
                self.selection = (np.asarray(update.box, np.float64).copy(), "visible", update.index)
            else:
                self.selection = (np.asarray(update.box_infrared, np.float64).copy(), "infrared", update.index)
            self.select_mode = False
            self._update_selection_state()
            if update.alignment:
                a = update.alignment
                self.show_message("info", f"the streams are not aligned: the target is offset by "
                                          f"({a['dx']:+.1f}, {a['dy']:+.1f}) px in infrared; tracking uses that "
                                          "offset (load a calibration file to set it yourself)")

    def _on_playing(self, playing: bool) -> None:
        self.model.set_playing(playing)
        SP = QtWidgets.QStyle.StandardPixmap
        action = self.actions_by_key["play"]
        action.setIcon(self.style().standardIcon(SP.SP_MediaPause if playing else SP.SP_MediaPlay))
        action.setText("Pause" if playing else "Play")
        if playing:
            self.select_mode = False
        self._update_selection_state()
        self.model.touch()

    def _on_mode(self, mode: str) -> None:
        self.actions_by_key[f"mode_{mode}"].setChecked(True)
        self.mode_combo.setCurrentIndex(MODES.index(mode))

    def _on_video_stopped(self, path: str, frames: int) -> None:
        self.show_message("info", f"wrote {frames} annotated frames to {path}")

    def _update_selection_state(self) -> None:
        has_target = self.selection is not None
        enabled = not self.model.playing and self.model.current is not None and (self.select_mode or not has_target)
        self.images.set_selection_enabled(enabled)
        self.actions_by_key["select"].setEnabled(self.model.info is not None)
        if enabled:
            self.status.busy.setText("Drag a rectangle around the target on either view (Esc cancels)"
                                     if has_target or self.select_mode else
                                     "Select the target: drag a rectangle around it on either view")
        elif self.status.busy.text().startswith(("Drag", "Select")):
            self.status.busy.setText("")

    # ------------------------------------------------------------ public API (also used by tests)
    def open_source(self, spec: SourceSpec, autoplay: bool = False,
                    after: Callable[[SourceInfo], None] | None = None) -> None:
        """Open ``spec`` in the worker; pre-select the ground truth's first box, play if ``autoplay``."""
        def on_open(info: SourceInfo) -> None:
            if after is not None:
                after(info)
                return
            if info.init_box is not None and np.all(np.isfinite(info.init_box)):
                self.commands.select.emit(info.init_box, "visible")
                if autoplay:
                    self.commands.play.emit()
        self._after_open.append(on_open)
        self.commands.open.emit(spec)

    def select_target(self, box: Any, modality: str = "visible") -> None:
        """Start tracking ``box`` (xywh in ``modality`` coordinates) on the shown frame."""
        if self.model.playing:
            self.commands.pause.emit()
        box = np.asarray(box, np.float64)
        self.images.show_pending(box, modality)
        self.commands.select.emit(box, modality)

    def begin_selection(self) -> None:
        """Pause and let the next drag on either view select the target."""
        self.commands.pause.emit()
        self.select_mode = True
        self._update_selection_state()

    def cancel_selection(self) -> None:
        self.select_mode = False
        self.images.show_pending(None)
        self._update_selection_state()

    def toggle_play(self) -> None:
        (self.commands.pause if self.model.playing else self.commands.play).emit()

    def play(self) -> None:
        self.commands.play.emit()

    def pause(self) -> None:
        self.commands.pause.emit()

    def step(self) -> None:
        self.commands.step.emit()

    def seek(self, index: int) -> None:
        if not self.model.can_seek:
            if self.model.info is not None:
                self.show_message("info", "seeking needs a sequence or two image folders; videos and cameras "
                                          "play forward only")
            return
        self.commands.seek.emit(int(index))

    def seek_relative(self, delta: int) -> None:
        if self.model.current is not None:
            self.seek(max(self.model.current.index + delta, 0))

    def set_mode(self, mode: str) -> None:
        self.commands.set_mode.emit(mode)

    def set_speed(self, speed: float) -> None:
        self.model.speed = float(speed)
        self.commands.set_speed.emit(float(speed))

    def _speed_step(self, delta: int) -> None:
        order = [s for s in sorted(self.model.SPEEDS) if s > 0] + [0.0]
        i = order.index(self.model.speed) if self.model.speed in order else 2
        new = order[int(np.clip(i + delta, 0, len(order) - 1))]
        self.transport.speed.setCurrentIndex(self.transport.speed.findData(new))

    def set_realtime(self, on: bool) -> None:
        self.model.realtime = bool(on)
        self.transport.realtime.blockSignals(True)
        self.transport.realtime.setChecked(bool(on))
        self.transport.realtime.blockSignals(False)
        self.commands.set_realtime.emit(bool(on))

    def load_weights(self, path: str | None, classic: bool = False) -> None:
        """Load matcher weights in the worker; a failure is a message and the current matcher stays."""
        self.commands.set_weights.emit(path, classic)
        if path:
            self.settings.set("last_weights_dir", str(Path(path).parent))

    def export_results(self, path: str | Path) -> ResultsExporter | None:
        """Write the results file from frame 0, then keep it up to date as frames are tracked."""
        def start() -> ResultsExporter:
            self.stop_results_export(quiet=True)
            self.exporter = ResultsExporter(path)
            self.exporter.sync(self.model.history)
            self.show_message("info", f"writing results to {path} as tracking goes")
            return self.exporter
        return self._user_action(start)

    def stop_results_export(self, quiet: bool = False) -> None:
        if self.exporter is None:
            return
        self.exporter.sync(self.model.history)
        self.exporter.close()
        if not quiet:
            self.show_message("info", f"results export finished: {self.exporter.lines} lines in {self.exporter.path}")
        self.exporter = None

    def _sync_export(self, update: FrameUpdate) -> None:
        if self.exporter is not None and update.kind in ("init", "track"):
            try:
                self.exporter.sync(self.model.history)
            except (HeteroTrackError, ValueError) as exc:
                self.show_message("error", f"results export stopped: {exc}")
                self.exporter = None

    def start_video(self, path: str | Path) -> None:
        self.recording_path = str(path)
        self.commands.start_video.emit(str(path))
        action = self.actions_by_key["record_video"]
        action.blockSignals(True)
        action.setChecked(True)
        action.blockSignals(False)

    def stop_video(self) -> None:
        self.commands.stop_video.emit()
        self.recording_path = ""
        action = self.actions_by_key["record_video"]
        action.blockSignals(True)
        action.setChecked(False)
        action.blockSignals(False)

    def save_png(self, path: str | Path) -> Path | None:
        self.redraw_now()
        return self._user_action(lambda: save_widget_png(self, path))

    def current_session(self) -> Session | None:
        info = self.model.info
        if info is None:
            return None
        box, modality, frame = self.selection if self.selection is not None else (None, "visible", 0)
        return Session(info.spec, None if box is None else tuple(float(v) for v in box), modality, int(frame),
                       self.model.mode, self.model.weights, self.model.realtime, self.model.speed)

    def save_session(self, path: str | Path) -> Path | None:
        session = self.current_session()
        if session is None:
            self.show_message("warning", "nothing to save: open a source first")
            return None
        return self._user_action(lambda: save_session(session, path))

    def open_session(self, path: str | Path, then: Callable[[SourceInfo], None] | None = None) -> None:
        """Reopen a saved session: source, mode, weights, then the box on its frame (then ``then(info)``)."""
        session = self._user_action(lambda: load_session(path))
        if session is None:
            return

        def restore(info: SourceInfo) -> None:
            self.set_mode(session.mode)
            if session.weights:
                self.load_weights(session.weights)
            if info.indexed:
                self.commands.seek.emit(session.frame)
            if session.box is not None:
                self.commands.select.emit(np.asarray(session.box), session.box_modality)
            self.set_realtime(session.realtime)
            index = self.transport.speed.findData(session.speed)
            if index >= 0:
                self.transport.speed.setCurrentIndex(index)
            if then is not None:
                then(info)

        self.open_source(session.source, after=restore)

    def _toggle_windowed(self, on: bool) -> None:
        self.score_maps.response.setCurrentIndex(1 if on else 0)

    def _toggle_trail(self, on: bool) -> None:
        self.images.show_trail = on
        self.model.touch()

    def _toggle_gt(self, on: bool) -> None:
        self.images.show_groundtruth = on
        self.model.touch()

    # ------------------------------------------------------------ lifecycle
    def _restore_settings(self) -> None:
        self._layout_pending = True
        if not self.persist_layout:
            return
        geometry = self.settings.get_bytes("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.get_bytes("window_state")
        self._layout_pending = state is None or not self.restoreState(state)

    def default_layout(self) -> None:
        """Dock sizes for a first launch: wide images, score maps and attention on the right, plots below."""
        width, height = self.width(), self.height()
        right = int(np.clip(width * 0.32, 420, 640))
        self.resizeDocks([self.docks["scores"]], [right], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["plots"]], [int(np.clip(height * 0.36, 180, 400))], QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["scores"], self.docks["attention"]], [int(height * 0.32), int(height * 0.58)],
                         QtCore.Qt.Orientation.Vertical)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._layout_pending:
            self._layout_pending = False
            QtCore.QTimer.singleShot(0, self.default_layout)

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Stop the worker and wait for its thread (files and cameras are closed there)."""
        if not self.thread.isRunning():
            return
        self._draw_timer.stop()
        self._stage_timer.stop()
        self._poll_timer.stop()
        self.stop_results_export(quiet=True)
        cancel = getattr(self.engine.source, "cancel", None)
        if cancel is not None:  # e.g. the demo generator: wake the worker if it waits for a frame
            cancel()
        self.commands.shutdown.emit()
        if not self.thread.wait(timeout_ms):
            self.thread.quit()
            self.thread.wait(2000)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.persist_layout:
            self.settings.set_bytes("geometry", self.saveGeometry())
            self.settings.set_bytes("window_state", self.saveState())
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()
