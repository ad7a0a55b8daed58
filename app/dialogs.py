"""Dialogs: open two videos/folders, open cameras (with a live preview), keyboard shortcuts."""
from __future__ import annotations

from typing import Any, Callable

import cv2
import numpy as np
from PyQt6 import QtCore, QtGui, QtWidgets

from app.live import LatestFrameReader
from app.sources import SourceSpec
from core.errors import HeteroTrackError


def numpy_to_pixmap(image: np.ndarray, width: int) -> QtGui.QPixmap:
    """An RGB or grey uint8 array as a pixmap ``width`` pixels wide."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    if image.ndim == 2:
        qimage = QtGui.QImage(image.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8)
    else:
        qimage = QtGui.QImage(image.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888)
    smooth = QtCore.Qt.TransformationMode.SmoothTransformation
    return QtGui.QPixmap.fromImage(qimage.copy()).scaledToWidth(width, smooth)


class _PathRow(QtWidgets.QWidget):
    """A line edit with a Browse button for a file or a folder."""

    def __init__(self, folder: bool, caption: str, filter_: str = "", start: str = ""):
        super().__init__()
        self.folder, self.caption, self.filter, self.start = folder, caption, filter_, start
        self.edit = QtWidgets.QLineEdit()
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        start = self.edit.text() or self.start
        if self.folder:
            path = QtWidgets.QFileDialog.getExistingDirectory(self, self.caption, start)
        else:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self, self.caption, start, self.filter)
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()


class OpenPairDialog(QtWidgets.QDialog):
    """Two videos or two image folders, an optional calibration file, and the length policy."""

    VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov *.m4v *.mpg *.mpeg *.webm);;All files (*)"

    def __init__(self, folders: bool, parent: QtWidgets.QWidget | None = None, start: str = ""):
        super().__init__(parent)
        self.folders = folders
        what = "image folders" if folders else "videos"
        self.setWindowTitle(f"Open two {what}")
        self.visible = _PathRow(folders, "Visible " + what[:-1], self.VIDEO_FILTER, start)
        self.infrared = _PathRow(folders, "Infrared " + what[:-1], self.VIDEO_FILTER, start)
        self.calibration = _PathRow(False, "Calibration (IR to visible homography)", "JSON (*.json)", start)
        self.allow_mismatch = QtWidgets.QCheckBox("Streams may differ in length: use the part both cover")
        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(0.0, 1000.0)
        self.fps.setSpecialValueText("auto (30 for folders)")
        self.fps.setSuffix(" fps")
        form = QtWidgets.QFormLayout()
        form.addRow("Visible", self.visible)
        form.addRow("Infrared", self.infrared)
        form.addRow("Calibration (optional)", self.calibration)
        form.addRow("Frame rate", self.fps)
        form.addRow("", self.allow_mismatch)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Open
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())

    def spec(self) -> SourceSpec:
        return SourceSpec(kind="pair", visible=self.visible.text(), infrared=self.infrared.text(),
                          calibration=self.calibration.text(), fps=float(self.fps.value()),
                          allow_length_mismatch=self.allow_mismatch.isChecked())

    def accept(self) -> None:
        if not (self.visible.text() and self.infrared.text()):
            QtWidgets.QToolTip.showText(self.mapToGlobal(QtCore.QPoint(20, 20)), "Give both inputs", self)
            return
        super().accept()


class OpenCamerasDialog(QtWidgets.QDialog):
    """One or two cameras by index or URL, with a live preview before opening."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 capture_factory: Callable[..., Any] = cv2.VideoCapture):
        super().__init__(parent)
        self.setWindowTitle("Open cameras")
        self.capture_factory = capture_factory
        self.visible = QtWidgets.QLineEdit("0")
        self.visible.setPlaceholderText("index (0, 1, …) or URL; empty for none")
        self.infrared = QtWidgets.QLineEdit()
        self.infrared.setPlaceholderText("index or URL of the thermal camera; empty for none")
        self.thermal = QtWidgets.QCheckBox("A single camera is thermal (infrared)")
        self.calibration = _PathRow(False, "Calibration (IR to visible homography)", "JSON (*.json)")
        self.preview_button = QtWidgets.QPushButton("Start preview")
        self.preview_button.setCheckable(True)
        self.preview_button.toggled.connect(self._toggle_preview)
        self.previews = {m: QtWidgets.QLabel("no preview") for m in ("visible", "infrared")}
        for label in self.previews.values():
            label.setFixedSize(320, 240)
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: #111; border: 1px solid #333;")
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Visible camera", self.visible)
        form.addRow("Infrared camera", self.infrared)
        form.addRow("", self.thermal)
        form.addRow("Calibration (optional)", self.calibration)
        previews = QtWidgets.QHBoxLayout()
        for label in self.previews.values():
            previews.addWidget(label)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Open
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_button)
        layout.addLayout(previews)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._source = None
        self._reader: LatestFrameReader | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)
        self.finished.connect(lambda _: self._stop_preview())

    def spec(self) -> SourceSpec:
        return SourceSpec(kind="cameras", visible=self.visible.text().strip(), infrared=self.infrared.text().strip(),
                          thermal=self.thermal.isChecked(), calibration=self.calibration.text())

    def _toggle_preview(self, on: bool) -> None:
        if on:
            self._start_preview()
        else:
            self._stop_preview()

    def _start_preview(self) -> None:
        self._stop_preview()
        try:
            self._source = self.spec().open(capture_factory=self.capture_factory)
        except (HeteroTrackError, ValueError) as exc:
            self.status.setText(f"<span style='color:#e57373'>{exc}</span>")
            self.preview_button.setChecked(False)
            return
        self._reader = LatestFrameReader(self._source, self._source.name)
        self.status.setText(f"previewing {self._source.name}")
        self.preview_button.setText("Stop preview")
        self._timer.start()

    def _poll(self) -> None:
        if self._reader is None:
            return
        try:
            pair = self._reader.poll()
        except Exception as exc:  # noqa: BLE001 - a camera failing during preview is shown, not raised
            self.status.setText(f"<span style='color:#e57373'>{exc}</span>")
            self.preview_button.setChecked(False)
            return
        if pair is None:
            return
        for m, label in self.previews.items():
            image = pair.get(m)
            if image is None:
                label.setText(f"no {m} camera")
            else:
                label.setPixmap(numpy_to_pixmap(image, label.width()))

    def _stop_preview(self) -> None:
        self._timer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._source is not None:
            self._source.close()
            self._source = None
        self.preview_button.setText("Start preview")

    def accept(self) -> None:
        try:
            self.spec()
        except ValueError as exc:
            self.status.setText(f"<span style='color:#e57373'>{exc}</span>")
            return
        self._stop_preview()
        super().accept()


SHORTCUTS = (
    ("Space", "play / pause"),
    ("Right", "single step (one frame)"),
    ("Left / Home / End", "seek one frame back / to the start / to the end (sequences and folders)"),
    ("S", "select the target: drag a rectangle on either view (pauses)"),
    ("Esc", "cancel the selection"),
    ("Ctrl+O", "open a dataset sequence folder"),
    ("Ctrl+Shift+O", "open two videos"),
    ("Ctrl+Alt+O", "open two image folders"),
    ("Ctrl+K", "open cameras"),
    ("Ctrl+D", "open the built-in demo"),
    ("Ctrl+W", "load matcher weights"),
    ("1 / 2 / 3 / 4", "mode: visible / infrared / cross / fused"),
    ("+ / -", "faster / slower playback"),
    ("Ctrl+R", "real-time playback on/off"),
    ("Ctrl+E", "export the results file (written as tracking goes)"),
    ("Ctrl+Shift+V", "start/stop recording the annotated video"),
    ("Ctrl+P", "save a PNG of the window"),
    ("Ctrl+S / Ctrl+Shift+S", "save / open a session file"),
    ("F", "fit the images to the views (reset zoom)"),
    ("W", "score maps: raw / after window penalty"),
    ("F1", "this list"),
    ("Ctrl+Q", "quit"),
)


class ShortcutsDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QtWidgets.QTableWidget(len(SHORTCUTS), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().hide()
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, (keys, action) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QtWidgets.QTableWidgetItem(keys))
            table.setItem(row, 1, QtWidgets.QTableWidgetItem(action))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(table)
        self.resize(560, 560)
