"""A crop image with a heatmap overlay in one aspect-locked view (used by the attention and feature views)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from app import theme
from app.views.widgets import Caption


class CropPanel:
    """Title + view + crop image + semi-transparent heatmap, created once and updated with set_*."""

    def __init__(self, layout: pg.GraphicsLayout, row: int, col: int, colormap: str = theme.HEATMAP,
                 opacity: float = 0.6):
        self.title = Caption(justify="center")
        layout.addItem(self.title, row=row, col=col)
        self.view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        layout.addItem(self.view, row=row + 1, col=col)
        self.crop = pg.ImageItem()
        self.heat = pg.ImageItem()
        self.heat.setColorMap(pg.colormap.get(colormap))
        self.heat.setOpacity(opacity)
        self.heat.setZValue(5)
        self.view.addItem(self.crop)
        self.view.addItem(self.heat)
        self._size: tuple[int, int] | None = None

    def set_title(self, text: str) -> None:
        self.title.setText(f"<span style='color:{theme.TEXT}'>{text}</span>", size="9pt")

    def set_crop(self, crop: np.ndarray | None, size: int) -> None:
        """Show ``crop`` (RGB or grey uint8) over ``[0, size)``, or an empty dark square."""
        if crop is None:
            crop = np.full((size, size), 24, np.uint8)
        self.crop.setImage(crop, autoLevels=False, levels=None)
        self.crop.setRect(0, 0, size, size)
        if self._size != (size, size):
            self._size = (size, size)
            self.view.autoRange(padding=0.0)

    def set_heat(self, heat: np.ndarray | None, rect: tuple[float, float, float, float] | None = None) -> None:
        """Overlay a [0, 1] map over ``rect`` (x, y, w, h in crop pixels; default the whole crop)."""
        if heat is None:
            self.heat.hide()
            return
        self.heat.setImage(np.asarray(heat, np.float32), autoLevels=False, levels=(0.0, 1.0))
        size = self._size[0] if self._size else heat.shape[1]
        self.heat.setRect(*(rect or (0, 0, size, size)))
        self.heat.show()


def centred_map_rect(shape: tuple[int, int], stride: float, crop_size: int) -> tuple[float, float, float, float]:
    """Where a score map of ``shape`` cells at ``stride`` lies on the crop (maps are centred on the crop)."""
    h, w = shape
    x0 = crop_size / 2 - stride * (w - 1) / 2 - stride / 2
    y0 = crop_size / 2 - stride * (h - 1) / 2 - stride / 2
    return x0, y0, stride * w, stride * h
