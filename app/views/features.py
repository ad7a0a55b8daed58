"""Feature-map inspector: the first 16 channels of one layer, template and search, per modality."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from app import maps as M
from app import theme
from app.model import AppModel
from app.updates import FrameUpdate
from app.views.crop_panel import CropPanel
from app.views.widgets import ModelView, caption_label, fill_combo

CHANNELS = 16


class FeaturesView(ModelView):
    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.modality = QtWidgets.QComboBox()
        self.layer = QtWidgets.QComboBox()
        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        for text, widget in (("Modality", self.modality), ("Layer", self.layer)):
            controls.addWidget(QtWidgets.QLabel(text))
            controls.addWidget(widget, 1)
        self.note = caption_label("Select a target to inspect the matcher's feature maps.", role="note")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.setContentsMargins(2, 2, 2, 2)
        self.panels = {"template": CropPanel(self.widget.ci, 0, 0, theme.FEATURE_MAP, opacity=1.0),
                       "search": CropPanel(self.widget.ci, 0, 1, theme.FEATURE_MAP, opacity=1.0)}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.note)
        self.has_features = False
        for combo in (self.modality, self.layer):
            combo.currentIndexChanged.connect(self._option_changed)
        model.changed.connect(self.refresh)

    def refresh(self, update: FrameUpdate) -> None:
        if self.isVisible() and update.result is not None:
            self._refresh(update)

    def _refresh(self, update: FrameUpdate) -> None:
        result = update.result
        features = result.features
        modalities = M.modalities_of(features) or [m for m in result.modalities if m in update.search_crops]
        fill_combo(self.modality, [(m, m) for m in modalities])
        modality = self.modality.currentData()
        if modality is None:
            return
        scale = max(result.best_scale, 0)
        self.has_features = bool(features)
        if not features:
            self._fill_layers([("(no feature maps)", None)])
            self.layer.setEnabled(False)
            source = update.template_sources.get(modality, modality)
            size = self.model.backend.instance_size if self.model.backend else 255
            for key, crop, side, title in (("template", update.template_crops.get(source), 127,
                                            f"template crop (from {source})"),
                                           ("search", update.search_crops.get(modality), size, "search crop")):
                panel = self.panels[key]
                panel.set_crop(crop, side)
                panel.set_heat(None)
                panel.set_title(title)
            name = self.model.backend.name if self.model.backend else "this matcher"
            self.note.setText(f"The active matcher ({name}) exposes no feature maps, so there are no channels to "
                              f"inspect; showing the crops it compares. Load trained weights to see features.")
            return
        self.layer.setEnabled(True)
        self._fill_layers([(n, n) for n in M.feature_layers(features, modality)])
        layer = self.layer.currentData()
        template, search = M.feature_pair(features, modality, layer, scale)
        for key, arr in (("template", template), ("search", search)):
            panel = self.panels[key]
            if arr is None:
                panel.set_crop(None, 64)
                panel.set_heat(None)
                panel.set_title(f"{key}: no '{layer}' map")
                continue
            grid = M.feature_grid(arr, CHANNELS)
            side = max(grid.shape)
            panel.set_crop(np.zeros((1, 1), np.uint8), side)
            panel.crop.hide()
            panel.set_heat(grid, (0, 0, grid.shape[1], grid.shape[0]))
            c, h, w = arr.shape
            panel.set_title(f"{key} · {layer}<br><span style='color:{theme.MUTED}'>channels 0-{min(CHANNELS, c) - 1} "
                            f"of {c} · {h}×{w}</span>")
        self.note.setText(f"{modality} features of layer '{layer}' (scale {scale}); each channel normalised to "
                          f"its own min..max.")

    def _fill_layers(self, items) -> None:
        fill_combo(self.layer, items)
        for panel in self.panels.values():
            panel.crop.show()
