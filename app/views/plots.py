"""Scrolling time plots: confidence, per-modality fusion weights and tracker fps, with a seek cursor."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from app import theme
from app.model import AppModel
from app.updates import FrameUpdate

FOLLOW_FRAMES = 300


class TimePlotsView(QtWidgets.QWidget):
    """Click a plot or drag the cursor to seek (indexed sources); ``seekRequested(frame)``."""

    seekRequested = QtCore.pyqtSignal(int)

    def __init__(self, model: AppModel, lost_threshold: float = 0.25, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.setContentsMargins(2, 2, 6, 2)
        self.widget.ci.setSpacing(0)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        specs = (("confidence", "confidence", (0, 1.02)), ("weights", "weights", (0, 1.02)),
                 ("fps", "fps", None))
        for row, (key, label, yrange) in enumerate(specs):
            plot = self.widget.addPlot(row=row, col=0)
            plot.setLabel("left", label, **{"font-size": "8pt"})
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setDownsampling(mode="peak")
            plot.setClipToView(True)
            plot.setMenuEnabled(False)
            plot.getAxis("left").setWidth(48)
            if yrange is not None:
                plot.setYRange(*yrange, padding=0)
                plot.setLimits(yMin=-0.05, yMax=1.1)
            else:
                plot.enableAutoRange(axis="y")
            if row > 0:
                plot.setXLink(self.plots["confidence"])
            if row < len(specs) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setLabel("bottom", "frame")
            cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(theme.SELECTION_COLOUR, width=1.5),
                                     hoverPen=pg.mkPen(theme.SELECTION_COLOUR, width=3))
            cursor.sigPositionChangeFinished.connect(self._cursor_moved)
            cursor.sigDragged.connect(self._cursor_dragged)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            self.plots[key] = plot
        fused_pen = pg.mkPen(theme.MODALITY_COLOURS["fused"], width=1.5)
        self.curves["confidence"] = self.plots["confidence"].plot(pen=fused_pen, connect="finite")
        threshold = pg.InfiniteLine(pos=lost_threshold, angle=0, pen=pg.mkPen(theme.state_colour("lost"), width=1,
                                                                              style=QtCore.Qt.PenStyle.DashLine))
        self.plots["confidence"].addItem(threshold, ignoreBounds=True)
        legend = self.plots["weights"].addLegend(offset=(-6, 4), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(0, 0, 0, 120))
        for m in ("visible", "infrared"):
            self.curves[m] = self.plots["weights"].plot(pen=pg.mkPen(theme.MODALITY_COLOURS[m], width=1.5),
                                                        connect="finite", name=m)
        self.curves["fps"] = self.plots["fps"].plot(pen=pg.mkPen("#9ccc65", width=1.2), connect="finite")
        self.widget.scene().sigMouseClicked.connect(self._clicked)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.follow = True
        model.changed.connect(self.refresh)
        model.source_changed.connect(self._on_source)

    def _on_source(self, info) -> None:
        for curve in self.curves.values():
            curve.setData([], [])
        self.plots["confidence"].setXRange(0, min(info.length or FOLLOW_FRAMES, FOLLOW_FRAMES), padding=0.02)

    def _set_cursor(self, x: float) -> None:
        for cursor in self.cursors:
            cursor.blockSignals(True)
            cursor.setValue(x)
            cursor.blockSignals(False)

    def _cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self._set_cursor(line.value())

    def _cursor_moved(self, line: pg.InfiniteLine) -> None:
        self._request(line.value())

    def _request(self, x: float) -> None:
        if not self.model.can_seek:
            if self.model.current is not None:
                self._set_cursor(self.model.current.index)
            return
        frame = int(np.clip(round(x), 0, (self.model.info.length or 1) - 1))
        self._set_cursor(frame)
        self.seekRequested.emit(frame)

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or event.double():
            return
        for plot in self.plots.values():
            if plot.sceneBoundingRect().contains(event.scenePos()):
                self._request(plot.vb.mapSceneToView(event.scenePos()).x())
                event.accept()
                return

    def refresh(self, update: FrameUpdate) -> None:
        history = self.model.history
        for key in ("confidence", "visible", "infrared", "fps"):
            x, y = history.series(key)
            self.curves[key].setData(x, y, connect="finite")
        self._set_cursor(update.index)
        if self.follow and self.model.playing:
            hi = max(update.index + 5, FOLLOW_FRAMES // 10)
            self.plots["confidence"].setXRange(max(hi - FOLLOW_FRAMES, 0), hi, padding=0)
