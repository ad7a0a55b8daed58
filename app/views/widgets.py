"""Small widget helpers shared by the panels."""
from __future__ import annotations

import pyqtgraph as pg
from PyQt6 import QtCore, QtWidgets


def caption_label(text: str, role: str = "caption") -> QtWidgets.QLabel:
    """A word-wrapped label styled by the theme's ``role`` (caption: muted; note: highlighted)."""
    label = QtWidgets.QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def fill_combo(combo: QtWidgets.QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace ``combo``'s ``(text, data)`` items, keeping the current choice when it still exists."""
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == items:
        return
    current = combo.currentData()
    blocked = combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(blocked)


class Caption(pg.LabelItem):
    """A LabelItem whose text never widens its layout column (only its height follows the text)."""

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's name
        bounds = self.itemRect()
        self.setMinimumWidth(1)
        self.setMinimumHeight(bounds.height())
        self._sizeHint = {
            QtCore.Qt.SizeHint.MinimumSize: (1, bounds.height()),
            QtCore.Qt.SizeHint.PreferredSize: (1, bounds.height()),
            QtCore.Qt.SizeHint.MaximumSize: (-1, -1),
            QtCore.Qt.SizeHint.MinimumDescent: (0, 0),
        }
        self.updateGeometry()


class ModelView(QtWidgets.QWidget):
    """A panel that redraws the model's current frame when shown or when one of its options changes.

    Subclasses set ``self.model`` and implement ``refresh(update)``.
    """

    model: "object"

    def _option_changed(self) -> None:
        if self.model.current is not None:
            self.refresh(self.model.current)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.model.current is not None:
            self.refresh(self.model.current)

    def refresh(self, update) -> None:
        raise NotImplementedError
