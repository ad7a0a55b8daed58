"""The dark theme, state colours and the one-time pyqtgraph configuration."""
from __future__ import annotations

from PyQt6 import QtGui, QtWidgets

from tracker.annotate import COLOURS

BACKGROUND = "#1b1d21"
PANEL = "#23262b"
RAISED = "#2c3036"
BORDER = "#3a3f47"
TEXT = "#d7dae0"
MUTED = "#8b929c"
ACCENT = "#3d9ee6"
GT_COLOUR = "#f0f0f0"
PEAK_COLOUR = "#33e0ff"
SELECTION_COLOUR = "#ffd23f"
MODALITY_COLOURS = {"visible": "#f2a93b", "infrared": "#e0544f", "fused": "#4fc3f7"}
LEVEL_COLOURS = {"error": "#c0392b", "warning": "#b7791f", "info": "#2e6da4"}
HEATMAP = "inferno"
FEATURE_MAP = "viridis"

_pg_configured = False


def state_colour(state: str) -> str:
    """Hex colour of a tracker state (the same colours as the exported video)."""
    if state in ("init", "preview", "seek"):
        return SELECTION_COLOUR if state == "init" else MUTED
    r, g, b = COLOURS.get(state, (0, 220, 0))
    return f"#{r:02x}{g:02x}{b:02x}"


def configure_pyqtgraph() -> None:
    """``pg.setConfigOptions`` once per process: row-major images (NumPy ``H×W×C``) and the dark colours."""
    global _pg_configured
    if _pg_configured:
        return
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", background=BACKGROUND, foreground=TEXT, antialias=True)
    _pg_configured = True


STYLESHEET = f"""
QWidget {{ color: {TEXT}; font-size: 9pt; }}
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QMainWindow::separator {{ background: {BORDER}; width: 3px; height: 3px; }}
QDockWidget {{ titlebar-close-icon: none; font-weight: bold; }}
QDockWidget::title {{ background: {RAISED}; padding: 4px 8px; border-bottom: 1px solid {BORDER}; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid {BORDER}; spacing: 4px; padding: 3px; }}
QToolButton {{ padding: 4px 8px; border-radius: 3px; }}
QToolButton:hover {{ background: {RAISED}; }}
QToolButton:checked {{ background: #2d4f6e; }}
QStatusBar {{ background: {PANEL}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ padding: 0 6px; color: {MUTED}; }}
QStatusBar QLabel[strong="true"] {{ color: {TEXT}; }}
QComboBox, QLineEdit, QSpinBox, QDoubleSpinBox {{ background: {RAISED}; border: 1px solid {BORDER};
    border-radius: 3px; padding: 2px 6px; min-height: 18px; }}
QPushButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; padding: 4px 12px; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:checked {{ background: #2d4f6e; border-color: {ACCENT}; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 12px; margin: -5px 0; border-radius: 6px; }}
QSlider::sub-page:horizontal {{ background: #2d6da8; border-radius: 2px; }}
QTabBar::tab {{ background: {PANEL}; padding: 5px 12px; border: 1px solid {BORDER}; border-bottom: none; }}
QTabBar::tab:selected {{ background: {RAISED}; color: white; }}
QLabel[role="caption"] {{ color: {MUTED}; }}
QLabel[role="note"] {{ color: #e6c07b; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; }}
QMenu::item:selected {{ background: #2d4f6e; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected {{ background: {RAISED}; }}
QProgressBar {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; text-align: center;
    max-height: 14px; }}
QProgressBar::chunk {{ background: {ACCENT}; }}
"""


def apply_dark_theme(app: QtWidgets.QApplication) -> None:
    """Fusion style with a dark palette and the stylesheet above."""
    app.setStyle("Fusion")
    palette = QtGui.QPalette()
    roles = QtGui.QPalette.ColorRole
    colours = {
        roles.Window: BACKGROUND, roles.WindowText: TEXT, roles.Base: PANEL, roles.AlternateBase: RAISED,
        roles.ToolTipBase: RAISED, roles.ToolTipText: TEXT, roles.Text: TEXT, roles.Button: RAISED,
        roles.ButtonText: TEXT, roles.BrightText: "#ffffff", roles.Highlight: ACCENT,
        roles.HighlightedText: "#ffffff", roles.Link: ACCENT, roles.PlaceholderText: MUTED,
    }
    for role, colour in colours.items():
        palette.setColor(role, QtGui.QColor(colour))
    disabled = QtGui.QPalette.ColorGroup.Disabled
    for role in (roles.Text, roles.ButtonText, roles.WindowText):
        palette.setColor(disabled, role, QtGui.QColor("#5c636e"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)
    configure_pyqtgraph()
