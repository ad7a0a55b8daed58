"""What the matcher looks at: the cross-attention of the template over the search crop.

Three cases, always said in the view's note: attention maps (layer and head
selectors); no attention but feature maps (the response-weighted feature
activation instead); neither (the CFOG fallback: the response map on the
crop).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtWidgets

from app import maps as M
from app.model import AppModel
from app.updates import FrameUpdate
from app.views.crop_panel import CropPanel, centred_map_rect
from app.views.widgets import ModelView, caption_label, fill_combo


class AttentionView(ModelView):
    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.modality = QtWidgets.QComboBox()
        self.layer = QtWidgets.QComboBox()
        self.layer.setMinimumContentsLength(14)
        self.layer.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.head = QtWidgets.QComboBox()
        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        for text, widget in (("Modality", self.modality), ("Layer", self.layer), ("Head", self.head)):
            controls.addWidget(QtWidgets.QLabel(text))
            controls.addWidget(widget, 1 if widget is self.layer else 0)
        self.note = caption_label("Select a target to see what the matcher attends to.", role="note")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.setContentsMargins(2, 2, 2, 2)
        self.template = CropPanel(self.widget.ci, 0, 0)
        self.search = CropPanel(self.widget.ci, 0, 1)
        self.widget.ci.layout.setColumnStretchFactor(0, 1)
        self.widget.ci.layout.setColumnStretchFactor(1, 2)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(controls)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.note)
        self.mode = "empty"  # attention | activation | response | empty
        for combo in (self.modality, self.layer, self.head):
            combo.currentIndexChanged.connect(self._option_changed)
        model.changed.connect(self.refresh)

    def refresh(self, update: FrameUpdate) -> None:
        if not self.isVisible():
            return
        if update.result is not None:
            self._refresh(update)

    def _refresh(self, update: FrameUpdate) -> None:
        result = update.result
        backend = self.model.backend
        searched = [m for m in result.modalities if m in update.search_crops] or list(update.search_crops)
        fill_combo(self.modality, [(m, m) for m in searched])
        modality = self.modality.currentData()
        if modality is None:
            self.note.setText("No search crop on this frame (the target is lost in a full-frame scan, or no "
                              "modality was usable).")
            return
        size = backend.instance_size if backend else 255
        scale = max(result.best_scale, 0)
        source = update.template_sources.get(modality, modality)
        self.template.set_crop(update.template_crops.get(source), 127)
        self.search.set_crop(update.search_crops.get(modality), size)
        self.template.set_title(f"template (from {source})")
        self.search.set_title(f"{modality} search crop · scale {scale}")
        names = M.names_for(result.attention, modality)
        if names:
            self._show_attention(result, modality, names, scale)
        elif result.features:
            self._show_activation(result, modality, scale)
        else:
            self._show_response(result, modality, scale, size)

    def _show_attention(self, result, modality: str, names: list[str], scale: int) -> None:
        self.mode = "attention"
        self.layer.setEnabled(True)
        fill_combo(self.layer, [(n, n) for n in names])
        name = self.layer.currentData() or names[0]
        arr = result.attention[f"{modality}/{name}"]
        heads = M.head_count(arr)
        fill_combo(self.head, [("mean", None)] + [(str(h), h) for h in range(heads or 0)])
        self.head.setEnabled(bool(heads))
        fused = result.score_maps.get(modality)
        search_hw = tuple(fused.shape[1:]) if fused is not None else None
        images = M.attention_images(arr, name, scale, self.head.currentData(), search_hw)
        self.search.set_heat(images.search)
        self.template.set_heat(images.template)
        self.note.setText(images.description)

    def _show_activation(self, result, modality: str, scale: int) -> None:
        self.mode = "activation"
        fill_combo(self.layer, [("(no attention)", None)])
        fill_combo(self.head, [("-", None)])
        self.layer.setEnabled(False)
        self.head.setEnabled(False)
        layer = M.search_layer(result.features, modality)
        maps = result.score_maps.get(modality)
        if layer is None or maps is None:
            self.search.set_heat(None)
            self.template.set_heat(None)
            self.note.setText(f"This matcher has no attention maps and no search-side feature maps for {modality}.")
            return
        template, search = M.feature_pair(result.features, modality, layer.split(".", 1)[-1], scale)
        if search is None:
            search = M.feature_pair(result.features, modality, layer, scale)[1]
        weights = M.response_channel_weights(search, maps[int(np.clip(scale, 0, len(maps) - 1))])
        self.search.set_heat(M.weighted_activation(search, weights))
        self.template.set_heat(M.weighted_activation(template, weights)
                               if template is not None and template.shape[0] == len(weights) else None)
        self.note.setText(f"This matcher has no attention maps. Showing the response-weighted feature activation "
                          f"of {layer} instead: channels weighted by how much more they fire under the response "
                          f"peak than on average (CAM-style).")

    def _show_response(self, result, modality: str, scale: int, size: int) -> None:
        self.mode = "response"
        fill_combo(self.layer, [("(no attention)", None)])
        fill_combo(self.head, [("-", None)])
        self.layer.setEnabled(False)
        self.head.setEnabled(False)
        maps = result.score_maps.get(modality)
        self.template.set_heat(None)
        name = self.model.backend.name if self.model.backend else "this matcher"
        stride = self.model.backend.stride if self.model.backend else 8.0
        if maps is None:
            self.search.set_heat(None)
        else:
            m = maps[int(np.clip(scale, 0, len(maps) - 1))]
            self.search.set_heat(M.normalise(m), centred_map_rect(m.shape, stride, size))
        self.note.setText(f"The active matcher ({name}) provides neither attention nor feature maps. Showing its "
                          f"response map over the search crop instead. Load trained weights (File > Load weights) "
                          f"to see attention.")
