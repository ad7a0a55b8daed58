"""Playback controls under the images: start, back, play/pause, step, seek slider, speed, real-time."""
from __future__ import annotations

from PyQt6 import QtCore, QtGui, QtWidgets

from app.model import AppModel
from app.updates import FrameUpdate

SPEED_LABELS = {0.25: "0.25×", 0.5: "0.5×", 1.0: "1×", 2.0: "2×", 4.0: "4×", 0.0: "max"}


class TransportBar(QtWidgets.QWidget):
    """``seekRequested(frame)`` after the slider moves (debounced while dragging)."""

    seekRequested = QtCore.pyqtSignal(int)

    def __init__(self, model: AppModel, actions: dict[str, QtGui.QAction], parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 4)
        for key in ("start", "back", "play", "step"):
            button = QtWidgets.QToolButton()
            button.setDefaultAction(actions[key])
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAutoRaise(True)
            row.addWidget(button)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.slider.setEnabled(False)
        row.addWidget(self.slider, 1)
        self.position = QtWidgets.QLabel("—")
        self.position.setMinimumWidth(90)
        self.position.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.position)
        row.addSpacing(8)
        row.addWidget(QtWidgets.QLabel("Speed"))
        self.speed = QtWidgets.QComboBox()
        self.speed.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for value in model.SPEEDS:
            self.speed.addItem(SPEED_LABELS[value], value)
        self.speed.setCurrentIndex(model.SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed for files (× the source frame rate; max = as fast as the tracker)")
        row.addWidget(self.speed)
        self.realtime = QtWidgets.QCheckBox("Real-time")
        self.realtime.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.realtime.setToolTip("Keep to the clock by skipping frames the tracker cannot keep up with "
                                 "(off: every frame is tracked)")
        row.addWidget(self.realtime)
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(lambda: self.seekRequested.emit(self.slider.value()))
        self.slider.sliderMoved.connect(lambda _: self._debounce.start())
        self.slider.actionTriggered.connect(self._slider_action)
        model.source_changed.connect(self._on_source)

    def _slider_action(self, action: int) -> None:
        if action in (QtWidgets.QAbstractSlider.SliderAction.SliderPageStepAdd,
                      QtWidgets.QAbstractSlider.SliderAction.SliderPageStepSub,
                      QtWidgets.QAbstractSlider.SliderAction.SliderSingleStepAdd,
                      QtWidgets.QAbstractSlider.SliderAction.SliderSingleStepSub):
            self._debounce.start()

    def _on_source(self, info) -> None:
        indexed = info.indexed and bool(info.length)
        self.slider.setEnabled(indexed)
        self.slider.setRange(0, max((info.length or 1) - 1, 0))
        self.slider.setPageStep(max((info.length or 10) // 20, 1))
        self.slider.setValue(0)
        self.speed.setEnabled(not info.live)
        self.realtime.setEnabled(not info.live)

    def show_frame(self, update: FrameUpdate) -> None:
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(update.index)
            self.slider.blockSignals(False)
        total = f" / {update.total - 1}" if update.total else ""
        self.position.setText(f"{update.index}{total}")
