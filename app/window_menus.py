"""The window's actions (with their shortcuts), menus and toolbar, as a mixin of :class:`MainWindow`."""
from __future__ import annotations

from typing import Callable

from PyQt6 import QtCore, QtGui, QtWidgets

from app.dialogs import ShortcutsDialog
from app.sources import SourceSpec
from tracker.config import MODES


class MenusMixin:
    """Builds ``actions_by_key`` (every action is also added to the window, so shortcuts work), the menus and
    the toolbar. The slots live in the window and in :class:`app.window_dialogs.DialogsMixin`."""

    def _action(self, key: str, text: str, shortcut: str | None = None, slot: Callable | None = None,
                checkable: bool = False, icon: QtWidgets.QStyle.StandardPixmap | None = None,
                tip: str | None = None, checked: bool = False) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.setCheckable(checkable)
        action.setChecked(checked)
        if tip or shortcut:
            action.setToolTip(f"{tip or text.replace('…', '').replace('&', '')}"
                              + (f" ({action.shortcut().toString()})" if shortcut else ""))
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)
        self.actions_by_key[key] = action
        return action

    def _build_actions(self) -> None:
        self.actions_by_key: dict[str, QtGui.QAction] = {}
        SP = QtWidgets.QStyle.StandardPixmap
        a = self._action
        a("open_sequence", "Open &sequence folder…", "Ctrl+O", self._ask_sequence, icon=SP.SP_DirOpenIcon,
          tip="Open a dataset sequence (VOT, RGBT234/LasHeR or GTOT layout, detected)")
        a("open_videos", "Open two &videos…", "Ctrl+Shift+O", lambda: self._ask_pair(False))
        a("open_folders", "Open two image &folders…", "Ctrl+Alt+O", lambda: self._ask_pair(True))
        a("open_cameras", "Open &cameras…", "Ctrl+K", self._ask_cameras)
        a("open_demo", "Open the built-in &demo", "Ctrl+D", lambda: self.open_source(SourceSpec("demo"), True))
        a("load_weights", "Load matcher &weights…", "Ctrl+W", self._ask_weights)
        a("default_weights", "Use the default matcher", None, lambda: self.load_weights(None))
        a("classic", "Use the CFOG fallback (no weights)", None, lambda: self.load_weights(None, classic=True))
        a("open_session", "Open session…", "Ctrl+Shift+S", self._ask_open_session)
        a("save_session", "Save session…", "Ctrl+S", self._ask_save_session)
        a("export_results", "Export results file…", "Ctrl+E", self._ask_results, icon=SP.SP_DialogSaveButton,
          tip="Write the results file (x,y,w,h per frame, the CLI's format) as tracking goes")
        a("record_video", "Record annotated video…", "Ctrl+Shift+V", self._toggle_video, checkable=True,
          tip="Record the annotated side-by-side video of tracked frames")
        a("save_png", "Save window as PNG…", "Ctrl+P", self._ask_png)
        a("quit", "&Quit", "Ctrl+Q", self.close)
        a("play", "Play", "Space", self.toggle_play, icon=SP.SP_MediaPlay, tip="Play / pause")
        a("step", "Step", "Right", self.step, icon=SP.SP_MediaSkipForward, tip="Track one frame")
        a("back", "Back one frame", "Left", lambda: self.seek_relative(-1), icon=SP.SP_MediaSeekBackward)
        a("start", "Go to start", "Home", lambda: self.seek(0), icon=SP.SP_MediaSkipBackward)
        a("end", "Go to end", "End", lambda: self.seek((self.model.info.length or 1) - 1) if self.model.info else None)
        a("select", "Select target", "S", self.begin_selection, checkable=False,
          tip="Pause and drag a rectangle around the target on either view")
        a("cancel_select", "Cancel selection", "Esc", self.cancel_selection)
        a("realtime", "Real-time playback", "Ctrl+R", self.set_realtime, checkable=True)
        a("faster", "Faster", "+", lambda: self._speed_step(1))
        a("slower", "Slower", "-", lambda: self._speed_step(-1))
        a("fit", "Fit images to views", "F", lambda: self.images.reset_zoom())
        a("windowed", "Score maps after window penalty", "W", self._toggle_windowed, checkable=True)
        a("trail", "Show trajectory trail", None, self._toggle_trail, checkable=True, checked=True)
        a("groundtruth", "Show ground truth", None, self._toggle_gt, checkable=True, checked=True)
        a("shortcuts", "Keyboard shortcuts", "F1", lambda: ShortcutsDialog(self).show())
        a("about", "About HeteroTrack", None, self._about)
        self.mode_group = QtGui.QActionGroup(self)
        for i, mode in enumerate(MODES, start=1):
            action = a(f"mode_{mode}", mode.capitalize(), str(i), lambda _=False, m=mode: self.set_mode(m),
                       checkable=True, tip=f"Mode: {mode}")
            self.mode_group.addAction(action)
        self.actions_by_key["mode_fused"].setChecked(True)

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("toolbar_main")
        bar.setMovable(False)
        bar.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        open_button = QtWidgets.QToolButton()
        open_button.setText("Open")
        open_button.setIcon(self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_DirOpenIcon))
        open_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        open_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.open_menu = QtWidgets.QMenu(self)
        for key in ("open_sequence", "open_videos", "open_folders", "open_cameras", "open_demo"):
            self.open_menu.addAction(self.actions_by_key[key])
        open_button.setMenu(self.open_menu)
        bar.addWidget(open_button)
        bar.addSeparator()
        for key in ("play", "step", "select"):
            bar.addAction(self.actions_by_key[key])
        bar.addSeparator()
        bar.addWidget(QtWidgets.QLabel(" Mode "))
        self.mode_combo = QtWidgets.QComboBox()
        self.mode_combo.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for mode in MODES:
            self.mode_combo.addItem(mode, mode)
        self.mode_combo.setCurrentIndex(MODES.index("fused"))
        self.mode_combo.setToolTip("visible / infrared: one modality; cross: template from the selection view, "
                                   "search in the other; fused: both, weighted by reliability (keys 1-4)")
        self.mode_combo.activated.connect(lambda i: self.set_mode(MODES[i]))
        bar.addWidget(self.mode_combo)
        bar.addAction(self.actions_by_key["load_weights"])
        bar.addSeparator()
        for key in ("export_results", "record_video", "save_png"):
            bar.addAction(self.actions_by_key[key])
        self.actions_by_key["load_weights"].setIcon(
            self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_FileDialogDetailedView))
        self.actions_by_key["record_video"].setIcon(
            self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_DialogYesButton))
        self.actions_by_key["save_png"].setIcon(
            self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_DesktopIcon))
        self.actions_by_key["select"].setIcon(
            self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_DialogApplyButton))

    def _build_menus(self) -> None:
        menu = self.menuBar()
        k = self.actions_by_key
        file = menu.addMenu("&File")
        for key in ("open_sequence", "open_videos", "open_folders", "open_cameras", "open_demo"):
            file.addAction(k[key])
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        for key in ("load_weights", "default_weights", "classic"):
            file.addAction(k[key])
        file.addSeparator()
        file.addAction(k["open_session"])
        file.addAction(k["save_session"])
        export = file.addMenu("&Export")
        for key in ("export_results", "record_video", "save_png"):
            export.addAction(k[key])
        file.addSeparator()
        file.addAction(k["quit"])
        track = menu.addMenu("&Track")
        for key in ("play", "step", "back", "start", "end"):
            track.addAction(k[key])
        track.addSeparator()
        track.addAction(k["select"])
        track.addAction(k["cancel_select"])
        modes = track.addMenu("&Mode")
        for mode in MODES:
            modes.addAction(k[f"mode_{mode}"])
        track.addSeparator()
        for key in ("realtime", "faster", "slower"):
            track.addAction(k[key])
        view = menu.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        for key in ("fit", "windowed", "trail", "groundtruth"):
            view.addAction(k[key])
        help_ = menu.addMenu("&Help")
        help_.addAction(k["shortcuts"])
        help_.addAction(k["about"])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_sources()
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
            return
        for spec in recent:
            action = self.recent_menu.addAction(spec.label())
            action.setToolTip(spec.path or f"{spec.visible}  |  {spec.infrared}")
            action.triggered.connect(lambda _=False, s=spec: self.open_source(s))
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list", self.settings.clear_recent)
