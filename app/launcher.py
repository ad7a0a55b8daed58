"""Starting the application: QApplication, theme, error reporting, and the headless render/latency runs."""
from __future__ import annotations

import json
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import cv2
from PyQt6 import QtCore, QtGui, QtWidgets

from app.engine import TrackingEngine
from app.sources import SourceSpec
from core.errors import HeteroTrackError


@dataclass(frozen=True)
class LaunchOptions:
    """What ``heterotrack gui`` was asked to do (see commands/gui.py for the flags)."""

    source: SourceSpec | None = None  # None: the built-in demo
    session: str | None = None
    weights: str | None = None
    classic: bool = False
    mode: str | None = None
    frames: int = 0                    # stop (pause) after N tracked frames; 0 = never
    screenshot: str | None = None      # save the window as PNG after N frames, then exit
    latency_report: str | None = None  # write the GUI latency JSON after N frames, then exit
    results: str | None = None
    video: str | None = None
    realtime: bool = False
    size: tuple[int, int] = (1600, 1000)
    tab: str = "attention"             # the tabbed panel in front: attention or features
    timeout_s: float = 0.0             # headless runs: give up after this long (0: 90 s + 3 s per frame)

    @property
    def headless(self) -> bool:
        return bool(self.screenshot or self.latency_report)


_QUIET_QT_MESSAGES = ("propagateSizeHints",)  # the offscreen plugin's harmless complaint about docks
_previous_handler = None
_handler_installed = False


def _qt_message(mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext, message: str) -> None:
    if any(text in message for text in _QUIET_QT_MESSAGES):
        return
    if _previous_handler is not None:
        _previous_handler(mode, context, message)
    else:
        print(f"Qt: {message}", file=sys.stderr)


def create_application() -> QtWidgets.QApplication:
    """The QApplication (reused if one exists), with the dark theme and pyqtgraph configured once."""
    from app.theme import apply_dark_theme

    global _previous_handler, _handler_installed
    if not _handler_installed:
        _previous_handler = QtCore.qInstallMessageHandler(_qt_message)
        _handler_installed = True
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("HeteroTrack")
    app.setOrganizationName("HeteroTrack")
    apply_dark_theme(app)
    return app


class ErrorReporter(QtCore.QObject):
    """Routes uncaught exceptions (from any thread) to the window's message bar instead of aborting."""

    reported = QtCore.pyqtSignal(str, str)

    def __init__(self, show: Callable[[str, str], None]):
        super().__init__()
        self.reported.connect(show)  # queued when emitted from another thread
        self.previous = sys.excepthook

    def hook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        if isinstance(exc, HeteroTrackError):
            self.reported.emit("error", str(exc))
            return
        traceback.print_exception(exc_type, exc, tb)
        self.reported.emit("error", f"internal error {exc_type.__name__}: {exc} (details on the console); "
                                    "the application keeps running")

    def install(self) -> None:
        sys.excepthook = self.hook

    def uninstall(self) -> None:
        if sys.excepthook == self.hook:
            sys.excepthook = self.previous


class HeadlessRun(QtCore.QObject):
    """After ``frames`` tracked frames: save the screenshot / latency report, close the window, exit."""

    def __init__(self, window, options: LaunchOptions, app: QtWidgets.QApplication):
        super().__init__(window)
        from app.latency import LatencyProbe

        self.window, self.options, self.app = window, options, app
        self.frames = options.frames or 40
        self.rc: int | None = None
        self.error: str | None = None
        self.probe = LatencyProbe(parent=self) if options.latency_report else None
        window.model.frame_recorded.connect(self._on_frame)
        window.worker.message.connect(self._on_message)
        timeout = options.timeout_s or 90.0 + 3.0 * self.frames
        QtCore.QTimer.singleShot(int(timeout * 1000), lambda: self.finish(3, f"timed out after {timeout:.0f} s"))

    def _on_frame(self, update) -> None:
        if update.kind == "track" and self.probe is not None and not self.probe._timer.isActive():
            self.probe.start()
        if self.window.model.frames_processed >= self.frames and self.rc is None:
            QtCore.QTimer.singleShot(0, lambda: self.finish(0))

    def _on_message(self, level: str, text: str) -> None:
        if level == "error" and self.rc is None:
            self.error = text
            QtCore.QTimer.singleShot(300, lambda: self.finish(2, text))

    def finish(self, rc: int, reason: str = "") -> None:
        if self.rc is not None:
            return
        self.rc = rc
        if self.probe is not None:
            self.probe.stop()
        self.window.pause()
        self.window.redraw_now()
        self.app.processEvents()
        if reason:
            print(f"heterotrack gui: {reason}", file=sys.stderr)
        if self.options.screenshot:
            self.window.message_bar.clear(levels=("info",))  # transient notes, e.g. "stopped after N frames"
            self.app.processEvents()
            path = self.window.save_png(self.options.screenshot)
            if path is not None:
                print(f"screenshot: {path}")
        if self.options.latency_report and self.probe is not None:
            self.write_latency(Path(self.options.latency_report))
        self.window.close()

    def write_latency(self, path: Path) -> None:
        report = self.probe.report()
        model = self.window.model
        data = {**report.to_dict(), "frames_tracked": model.frames_processed,
                "tracker_fps": model.tracker_fps, "display_fps": model.display_fps,
                "matcher": model.backend.name if model.backend else None, "mode": model.mode,
                "qt_platform": QtGui.QGuiApplication.platformName(), "command": " ".join(sys.argv)}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"latency: median {report.median_ms:.1f} ms, p95 {report.p95_ms:.1f} ms, max {report.max_ms:.1f} ms "
              f"over {report.samples} ticks ({model.frames_processed} frames); wrote {path}")


def run_gui(options: LaunchOptions, engine: TrackingEngine | None = None, settings=None,
            capture_factory: Callable[..., Any] = cv2.VideoCapture) -> int:
    """Open the window as ``options`` say and run the event loop; returns the exit code."""
    from app.main_window import MainWindow

    app = create_application()
    window = MainWindow(settings=settings, engine=engine, capture_factory=capture_factory,
                        persist_layout=not options.headless)
    reporter = ErrorReporter(window.show_message)
    reporter.install()
    window.resize(*options.size)
    window.show()
    window.docks[options.tab].raise_()
    headless = HeadlessRun(window, options, app) if options.headless else None
    if options.weights or options.classic:
        window.load_weights(options.weights, classic=options.classic)
    if options.mode:
        window.set_mode(options.mode)
    if options.realtime:
        window.set_realtime(True)
    if options.frames:
        window.commands.stop_after.emit(options.frames)

    def outputs(info) -> None:
        if options.results:
            window.export_results(options.results)
        if options.video:
            window.start_video(options.video)

    if options.session:
        def resume(info) -> None:
            outputs(info)
            if headless is not None:
                window.play()

        window.open_session(options.session, then=resume)
    else:
        spec = options.source or SourceSpec("demo")

        def after(info) -> None:
            outputs(info)
            if info.init_box is not None:
                window.commands.select.emit(info.init_box, "visible")
                if spec.kind == "demo" or headless is not None:
                    window.play()
            elif headless is not None:
                headless.finish(2, f"{info.name}: no ground truth to take the target from; headless runs need the "
                                   "demo, a sequence with ground truth, or --session with a box")

        window.open_source(spec, after=after)
    previous_sigint = signal.signal(signal.SIGINT, lambda *_: window.close())
    keepalive = QtCore.QTimer()  # lets Python run its signal handlers while Qt waits
    keepalive.start(200)
    keepalive.timeout.connect(lambda: None)
    # A local loop that ends when the window closes (rather than app.exec()/app.exit(), which would
    # leave the application "quitting" for anyone who runs an event loop after us, e.g. tests).
    loop = QtCore.QEventLoop()
    window.closed.connect(loop.quit)
    try:
        loop.exec()
    finally:
        keepalive.stop()
        signal.signal(signal.SIGINT, previous_sigint)
        reporter.uninstall()
        window.shutdown()
    return int(headless.rc) if headless is not None and headless.rc is not None else 0

