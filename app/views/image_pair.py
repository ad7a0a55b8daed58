"""Visible and infrared frames side by side, with box, trail, ground truth, state and box selection."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets

from app import theme
from app.model import AppModel
from app.updates import FrameUpdate
from app.views.widgets import Caption
from core.geometry import apply_homography
from tracker.mapping import ModalityMapping

STATE_TEXT = {"tracking": "tracking", "weak": "weak", "lost": "LOST - searching", "redetected": "re-detected",
              "blind": "blind (no usable image)", "init": "target selected", "preview": "no target",
              "seek": "not tracked"}


class SelectableViewBox(pg.ViewBox):
    """An aspect-locked image view; a left drag draws a box when selection is enabled, else pans."""

    boxDrawn = QtCore.pyqtSignal(object)  # xywh in image coordinates

    def __init__(self) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.selection_enabled = False
        self._band = QtWidgets.QGraphicsRectItem()
        self._band.setPen(pg.mkPen(theme.SELECTION_COLOUR, width=2, style=QtCore.Qt.PenStyle.DashLine, cosmetic=True))
        self._band.setBrush(pg.mkBrush(255, 210, 63, 40))
        self._band.setZValue(50)
        self._band.hide()
        self.addItem(self._band, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph's name
        if not (self.selection_enabled and ev.button() == QtCore.Qt.MouseButton.LeftButton):
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        a = self.mapToView(ev.buttonDownPos())
        b = self.mapToView(ev.pos())
        rect = QtCore.QRectF(a, b).normalized()
        self._band.setRect(rect)
        self._band.show()
        if ev.isFinish():
            self._band.hide()
            if rect.width() >= 3 and rect.height() >= 3:
                self.boxDrawn.emit(np.array([rect.x(), rect.y(), rect.width(), rect.height()]))


class _Panel:
    """One modality's items, created once."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, modality: str):
        self.modality = modality
        self.title = Caption(justify="left")
        layout.addItem(self.title, row=row, col=col)
        self.view = SelectableViewBox()
        layout.addItem(self.view, row=row + 1, col=col)
        self.image = pg.ImageItem()
        self.view.addItem(self.image)
        cosmetic = dict(cosmetic=True)
        self.gt = QtWidgets.QGraphicsRectItem()
        self.gt.setPen(pg.mkPen(theme.GT_COLOUR, width=1.5, style=QtCore.Qt.PenStyle.DashLine, **cosmetic))
        self.box = QtWidgets.QGraphicsRectItem()
        self.pending = QtWidgets.QGraphicsRectItem()
        self.pending.setPen(pg.mkPen(theme.SELECTION_COLOUR, width=2, style=QtCore.Qt.PenStyle.DotLine, **cosmetic))
        self.trail = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 150, width=1.5), connect="finite")
        self.label = pg.TextItem(anchor=(0, 1))
        self.missing = pg.TextItem(anchor=(0.5, 0.5), color=theme.MUTED)
        for z, item in enumerate((self.trail, self.gt, self.box, self.pending, self.label, self.missing), start=10):
            item.setZValue(z)
            self.view.addItem(item, ignoreBounds=True)
        self.shape: tuple[int, ...] | None = None

    def set_image(self, image: np.ndarray | None, fallback_shape: tuple[int, int]) -> None:
        if image is None:
            h, w = self.shape[:2] if self.shape else fallback_shape
            self.image.setImage(np.zeros((h, w), np.uint8), autoLevels=False, levels=None)
            self.missing.setText(f"no {self.modality} frame")
            self.missing.setPos(w / 2, h / 2)
            self.missing.show()
            return
        self.missing.hide()
        # uint8 with levels=None: pyqtgraph wraps the array in a QImage directly, without a LUT pass
        self.image.setImage(image, autoLevels=False, levels=None)
        if image.shape != self.shape:
            self.shape = image.shape
            self.view.autoRange(padding=0.0)

    @staticmethod
    def _rect(item: QtWidgets.QGraphicsRectItem, box: np.ndarray | None) -> None:
        if box is None or not np.all(np.isfinite(box)):
            item.hide()
            return
        item.setRect(QtCore.QRectF(*map(float, box)))
        item.show()

    def set_boxes(self, box: np.ndarray | None, state: str, gt: np.ndarray | None, confidence: float | None) -> None:
        colour = theme.state_colour(state)
        self.box.setPen(pg.mkPen(colour, width=2.5, cosmetic=True))
        self._rect(self.box, box)
        self._rect(self.gt, gt)
        if box is None or not np.all(np.isfinite(box)) or state in ("preview", "seek"):
            self.label.hide()
            return
        text = STATE_TEXT.get(state, state)
        if confidence is not None and np.isfinite(confidence):
            text += f"  {confidence:.2f}"
        self.label.setText(text, color=colour)
        self.label.fill = pg.mkBrush(0, 0, 0, 150)
        width = self.shape[1] if self.shape else float("inf")
        if box[0] + box[2] / 2 > 0.6 * width:  # near the right edge: hang the label to the left of the box
            self.label.setAnchor((1, 1))
            self.label.setPos(float(box[0] + box[2]), float(box[1]) - 2)
        else:
            self.label.setAnchor((0, 1))
            self.label.setPos(float(box[0]), float(box[1]) - 2)
        self.label.show()


class ImagePairView(QtWidgets.QWidget):
    """Both frames in aspect-locked views whose zoom and pan follow each other through the mapping.

    ``boxDrawn(box, modality)`` fires when the user drags a rectangle while
    selection is enabled (paused, or before a target exists).
    """

    boxDrawn = QtCore.pyqtSignal(object, str)

    def __init__(self, model: AppModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.mapping = ModalityMapping()
        self.show_trail = True
        self.show_groundtruth = True
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.setContentsMargins(2, 2, 2, 2)
        self.widget.ci.setSpacing(10)
        self.panels = {"visible": _Panel(self.widget.ci, 0, 0, "visible"),
                       "infrared": _Panel(self.widget.ci, 0, 1, "infrared")}
        for modality, panel in self.panels.items():
            panel.view.boxDrawn.connect(lambda box, m=modality: self.boxDrawn.emit(box, m))
        self._linking = False
        self.panels["visible"].view.sigRangeChanged.connect(lambda *_: self._link("visible"))
        self.panels["infrared"].view.sigRangeChanged.connect(lambda *_: self._link("infrared"))
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        model.changed.connect(self.refresh)
        model.source_changed.connect(self._on_source)
        self._set_titles(None)

    # ------------------------------------------------------------------
    def _on_source(self, info) -> None:
        self.mapping = info.mapping
        for panel in self.panels.values():
            panel.shape = None
            panel.pending.hide()

    def _link(self, leader: str) -> None:
        """Show the same scene region in the other view (zoom/pan linked through the calibration)."""
        if self._linking:
            return
        follower = "infrared" if leader == "visible" else "visible"
        if self.panels[follower].shape is None or self.panels[leader].shape is None:
            return
        (x0, x1), (y0, y1) = self.panels[leader].view.viewRange()
        box = np.array([x0, y0, x1 - x0, y1 - y0])
        mapped = self.mapping.box_to(follower, box) if leader == "visible" else self.mapping.box_from(leader, box)
        if not np.all(np.isfinite(mapped)):
            return
        self._linking = True
        try:
            self.panels[follower].view.setRange(xRange=(mapped[0], mapped[0] + mapped[2]),
                                                yRange=(mapped[1], mapped[1] + mapped[3]), padding=0.0)
        finally:
            self._linking = False

    def set_selection_enabled(self, enabled: bool) -> None:
        for panel in self.panels.values():
            panel.view.selection_enabled = enabled
            panel.view.setCursor(QtCore.Qt.CursorShape.CrossCursor if enabled else QtCore.Qt.CursorShape.ArrowCursor)

    def show_pending(self, box: np.ndarray | None, modality: str = "visible") -> None:
        """A proposed selection (dotted) in both views, mapped through the calibration."""
        for m, panel in self.panels.items():
            if box is None:
                panel.pending.hide()
                continue
            b = box if m == modality else (self.mapping.box_to(m, box) if modality == "visible"
                                            else self.mapping.box_from(modality, box))
            _Panel._rect(panel.pending, b)

    def reset_zoom(self) -> None:
        for panel in self.panels.values():
            panel.view.autoRange(padding=0.0)

    def _set_titles(self, update: FrameUpdate | None) -> None:
        for m, panel in self.panels.items():
            colour = theme.MODALITY_COLOURS[m]
            extra = ""
            if update is not None:
                img = update.pair.get(m)
                t = update.pair.t_visible if m == "visible" else update.pair.t_infrared
                if img is not None:
                    extra = f"{img.shape[1]}×{img.shape[0]}" + (f" · t={t:.2f} s" if t is not None else "")
                else:
                    extra = "missing"
            panel.title.setText(f"<span style='color:{colour};font-weight:bold'>{m.upper()}</span>"
                                f"&nbsp;&nbsp;<span style='color:{theme.MUTED}'>{extra}</span>", size="9pt")

    def refresh(self, update: FrameUpdate) -> None:
        pair = update.pair
        ref = pair.visible if pair.visible is not None else pair.infrared
        box, state = self.model.display_box(update)
        confidence = update.result.confidence if update.result is not None else None
        trail = self.model.history.trail(update.index, self.model.trail_length) if self.show_trail else np.empty((0, 2))
        for m, panel in self.panels.items():
            image = pair.get(m)
            panel.set_image(image, ref.shape[:2] if m == "visible" or panel.shape is None else panel.shape[:2])
            if m == "visible":
                b, gt, pts = box, update.gt_visible, trail
            else:
                b = update.box_infrared if np.all(np.isfinite(update.box_infrared)) else (
                    None if box is None else self.mapping.box_to("infrared", box))
                gt = update.gt_infrared
                pts = trail if self.mapping.is_identity or len(trail) == 0 else apply_homography(
                    self.mapping.visible_to_ir, trail)
            panel.set_boxes(b, state, gt if self.show_groundtruth else None, confidence)
            if len(pts) >= 2:
                panel.trail.setData(pts[:, 0], pts[:, 1])
                panel.trail.show()
            else:
                panel.trail.hide()
        self._set_titles(update)

    def image_items(self) -> dict[str, pg.ImageItem]:
        return {m: p.image for m, p in self.panels.items()}

    def box_rect(self, modality: str) -> QtCore.QRectF | None:
        item = self.panels[modality].box
        return item.rect() if item.isVisible() else None

