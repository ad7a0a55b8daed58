"""The status bar (frame, timestamps, sync skew, modalities, fps, matcher) and the message bar."""
from __future__ import annotations

import time

from PyQt6 import QtCore, QtWidgets

from app import theme
from app.model import AppModel
from app.updates import FrameUpdate


class StatusPanel:
    """Labels added to a QStatusBar, refreshed from the model."""

    def __init__(self, model: AppModel, bar: QtWidgets.QStatusBar):
        self.model = model
        self.bar = bar
        self.labels: dict[str, QtWidgets.QLabel] = {}
        for key in ("frame", "time", "skew", "modalities", "fps", "dropped", "matcher"):
            label = QtWidgets.QLabel()
            label.setProperty("strong", key in ("frame", "fps"))
            bar.addPermanentWidget(label)
            self.labels[key] = label
        self.progress = QtWidgets.QProgressBar()
        self.progress.setFixedWidth(180)
        self.progress.setFormat("demo %v/%m")
        self.progress.hide()
        bar.addPermanentWidget(self.progress)
        self.busy = QtWidgets.QLabel()
        bar.addWidget(self.busy, 1)
        self._draws: list[float] = []
        model.changed.connect(self.refresh)
        model.backend_changed.connect(self._on_backend)
        model.mode_changed.connect(lambda _mode: self._on_backend(self.model.backend) if self.model.backend else None)
        self.labels["frame"].setText("no source")
        self.labels["matcher"].setText("matcher: loading…")

    def _on_backend(self, info) -> None:
        short = info.name if len(info.name) <= 48 else info.name[:45] + "…"
        self.labels["matcher"].setText(f"{short} · {self.model.mode}")
        self.labels["matcher"].setToolTip(f"matcher: {info.name}\nweights: {info.weights or 'default'}\n"
                                          f"mode: {self.model.mode}")

    def set_busy(self, text: str) -> None:
        self.busy.setText(f"⏳ {text}…" if text else "")

    def poll_progress(self) -> None:
        """Demo generation progress (called from a GUI timer)."""
        info = self.model.info
        if info is None or info.progress is None:
            self.progress.hide()
            return
        done, total = info.progress()
        if done >= total:
            self.progress.hide()
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.show()

    def refresh(self, update: FrameUpdate) -> None:
        now = time.monotonic()
        self._draws = [t for t in self._draws if now - t < 2.0] + [now]
        if len(self._draws) > 1:
            self.model.display_fps = (len(self._draws) - 1) / max(self._draws[-1] - self._draws[0], 1e-6)
        total = f"/{update.total}" if update.total else ""
        self.labels["frame"].setText(f"frame {update.index}{total}")
        tv, ti = update.pair.t_visible, update.pair.t_infrared
        fmt = lambda t: "—" if t is None else f"{t:.3f} s"  # noqa: E731
        self.labels["time"].setText(f"t vis {fmt(tv)} · ir {fmt(ti)}")
        skew = update.skew
        self.labels["skew"].setText("skew —" if skew is None else f"skew {skew * 1e3:.1f} ms")
        present = update.pair.modalities
        used = update.result.modalities if update.result is not None else ()
        text = " + ".join(present) if present else "none"
        if used and set(used) != set(present):
            text += f" (searched: {' + '.join(used)})"
        self.labels["modalities"].setText(text)
        fps = self.model.tracker_fps
        display = self.model.display_fps
        self.labels["fps"].setText(("tracker —" if fps is None else f"tracker {fps:.1f} fps")
                                   + ("" if display is None else f" · display {display:.0f} fps"))
        self.labels["dropped"].setText(f"dropped {update.dropped}" if self.model.info and self.model.info.live else "")
        self.labels["dropped"].setVisible(bool(self.model.info and self.model.info.live))


class MessageBar(QtWidgets.QWidget):
    """Non-modal messages at the top of the window: the newest few, each with a close button.

    Errors stay until closed; info messages fade after ``info_timeout_ms``.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None, keep: int = 3, info_timeout_ms: int = 8000):
        super().__init__(parent)
        self.keep = keep
        self.info_timeout_ms = info_timeout_ms
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(1)
        self.log: list[tuple[str, str]] = []
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        self.log.append((level, text))
        if self.messages() and self.messages()[-1] == (level, text):
            return  # the same message again (e.g. a repeated failure): keep one
        frame = QtWidgets.QFrame()
        frame.setObjectName("message")
        frame.setProperty("level", level)
        colour = theme.LEVEL_COLOURS.get(level, theme.LEVEL_COLOURS["info"])
        frame.setStyleSheet(f"QFrame#message {{ background: {colour}; border-radius: 3px; }}"
                            "QLabel { color: white; }")
        row = QtWidgets.QHBoxLayout(frame)
        row.setContentsMargins(10, 4, 4, 4)
        label = QtWidgets.QLabel(f"<b>{level.capitalize()}:</b> {_escape(text)}")
        label.setWordWrap(True)
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QtWidgets.QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(lambda: self._remove(frame))
        row.addWidget(label, 1)
        row.addWidget(close)
        frame.message = (level, text)  # type: ignore[attr-defined]
        self._layout.addWidget(frame)
        while self._layout.count() > self.keep:
            self._remove(self._layout.itemAt(0).widget())
        if level == "info":
            QtCore.QTimer.singleShot(self.info_timeout_ms, lambda: self._remove(frame))
        self.show()

    def _remove(self, frame: QtWidgets.QWidget | None) -> None:
        try:
            if frame is None or self._layout.indexOf(frame) < 0:
                return
        except RuntimeError:  # already deleted by Qt
            return
        self._layout.removeWidget(frame)
        frame.deleteLater()
        if self._layout.count() == 0:
            self.hide()

    def messages(self) -> list[tuple[str, str]]:
        """``(level, text)`` of the messages on screen, oldest first."""
        out = []
        for i in range(self._layout.count()):
            widget = self._layout.itemAt(i).widget()
            if widget is not None:
                out.append(widget.message)
        return out

    def clear(self, levels: tuple[str, ...] | None = None) -> None:
        """Remove the messages on screen (only those of ``levels`` when given)."""
        for i in reversed(range(self._layout.count())):
            widget = self._layout.itemAt(i).widget()
            if widget is not None and (levels is None or widget.message[0] in levels):
                self._remove(widget)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
