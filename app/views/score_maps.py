"""Live response maps: per modality and fused, raw or after the window penalty, one scale at a time."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from app import theme
from app.model import AppModel
from app.updates import FrameUpdate
from app.views.widgets import Caption, caption_label

PANELS = ("visible", "infrared", "fused")


class ScoreMapsView(QtWidgets.QWidget):
    """Three heatmaps sharing one colour bar (probability 0..1), the peak of each marked."""

    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.response = QtWidgets.QComboBox()
        self.response.addItems(["Raw response", "After window penalty"])
        self.response.setToolTip("Raw: each modality's probability map. After window penalty: the upsampled fused "
                                 "map of the chosen scale with the cosine (Hanning) window blended in, as the "
                                 "tracker used it to pick the peak.")
        self.scale = QtWidgets.QComboBox()
        self.scale.setToolTip("Scale of the search pyramid to show")
        self.scale.addItem("chosen scale", -1)
        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        controls.addWidget(self.response)
        controls.addWidget(QtWidgets.QLabel("Scale"))
        controls.addWidget(self.scale, 1)
        self.note = caption_label("")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.setContentsMargins(2, 2, 2, 2)
        cmap = pg.colormap.get(theme.HEATMAP)
        self.titles, self.views, self.images, self.peaks = {}, {}, {}, {}
        for col, name in enumerate(PANELS):
            title = Caption(justify="center")
            self.widget.ci.addItem(title, row=0, col=col)
            view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
            self.widget.ci.addItem(view, row=1, col=col)
            image = pg.ImageItem()
            view.addItem(image)
            peak = pg.ScatterPlotItem(symbol="o", size=14, pen=pg.mkPen(theme.PEAK_COLOUR, width=2), brush=None)
            peak.setZValue(10)
            view.addItem(peak)
            self.titles[name], self.views[name], self.images[name], self.peaks[name] = title, view, image, peak
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False, width=12)
        self.colorbar.setImageItem(list(self.images.values()))
        self.widget.ci.addItem(self.colorbar, row=1, col=len(PANELS))
        grid = self.widget.ci.layout
        for col in range(len(PANELS)):
            grid.setColumnStretchFactor(col, 1)
            grid.setColumnPreferredWidth(col, 100)
            grid.setColumnMinimumWidth(col, 60)
        grid.setColumnStretchFactor(len(PANELS), 0)
        grid.setColumnFixedWidth(len(PANELS), 60)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.note)
        self._shapes: dict[str, tuple[int, int]] = {}
        self.response.currentIndexChanged.connect(self._options_changed)
        self.scale.currentIndexChanged.connect(self._options_changed)
        model.changed.connect(self.refresh)
        model.backend_changed.connect(self._on_backend)
        for name in PANELS:
            self._title(name, "waiting for a target")

    @property
    def windowed(self) -> bool:
        return self.response.currentIndex() == 1

    def _on_backend(self, info) -> None:
        current = self.scale.currentData()
        self.scale.blockSignals(True)
        self.scale.clear()
        self.scale.addItem("chosen scale", -1)
        for i, f in enumerate(info.scale_factors):
            self.scale.addItem(f"{i}: ×{f:.3f}", i)
        index = self.scale.findData(current)
        self.scale.setCurrentIndex(max(index, 0))
        self.scale.blockSignals(False)

    def _options_changed(self) -> None:
        self.scale.setEnabled(not self.windowed)
        if self.model.current is not None:
            self.refresh(self.model.current)

    def _title(self, name: str, extra: str) -> None:
        colour = theme.MODALITY_COLOURS[name]
        self.titles[name].setText(f"<span style='color:{colour};font-weight:bold'>{name}</span><br>"
                                  f"<span style='color:{theme.MUTED}'>{extra}</span>", size="8pt")

    def _show(self, name: str, data: np.ndarray | None, cells: tuple[int, int] | None, extra: str) -> None:
        image, peak = self.images[name], self.peaks[name]
        self._title(name, extra)
        if data is None:
            image.setImage(np.zeros((2, 2), np.float32), autoLevels=False, levels=(0.0, 1.0))
            image.setRect(0, 0, *(cells[::-1] if cells else (2, 2)))
            peak.setData([], [])
            return
        h, w = cells if cells is not None else data.shape
        image.setImage(data, autoLevels=False, levels=(0.0, 1.0))
        image.setRect(0, 0, w, h)  # area-aligned: an upsampled map covers the same cells
        row, col = np.unravel_index(int(np.argmax(data)), data.shape)
        sy, sx = h / data.shape[0], w / data.shape[1]
        peak.setData([(col + 0.5) * sx], [(row + 0.5) * sy])
        if self._shapes.get(name) != (h, w):
            self._shapes[name] = (h, w)
            self.views[name].setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def refresh(self, update: FrameUpdate) -> None:
        result = update.result
        if result is None or not result.score_maps:
            if update.kind == "init":
                for name in PANELS:
                    self._show(name, None, None, "target selected")
            return
        best = max(result.best_scale, 0)
        want = self.scale.currentData()
        scale = best if (want is None or want < 0 or self.windowed) else int(want)
        fused = result.score_maps.get("fused")
        cells = fused.shape[1:] if fused is not None else None
        for name in PANELS:
            maps = result.score_maps.get(name)
            if name == "fused" and self.windowed and result.windowed is not None:
                w = result.windowed
                top = float(w.max())
                data = (w - float(w.min())) / (top - float(w.min())) if top > float(w.min()) else np.zeros_like(w)
                self._show(name, data.astype(np.float32), cells, f"windowed · s{best}* (÷max)")
                continue
            if maps is None:
                self._show(name, None, cells, "not searched")
                continue
            s = int(np.clip(scale, 0, len(maps) - 1))
            weight = result.weights.get(name)
            extra = f"s{s}{'*' if s == best else ''} · peak {float(maps[s].max()):.2f}"
            if weight is not None and len(result.weights) > 1:
                extra += f" · w {weight:.2f}"
            self._show(name, maps[s].astype(np.float32), None, extra)
        state = result.state
        if result.best_scale < 0:
            self.note.setText("Full-frame re-detection scan: only the best tile's fused map is shown.")
        elif self.windowed:
            self.note.setText("Fused map of the chosen scale after the cosine-window penalty, upsampled as the "
                              "tracker uses it to place the peak (o).")
        else:
            self.note.setText(f"Probability maps over the search crop (state: {state}); o marks each peak, "
                              f"* the scale the tracker chose, w the fusion weight.")
