"""The window's file dialogs and message boxes, as a mixin of :class:`MainWindow`."""
from __future__ import annotations

from pathlib import Path

from PyQt6 import QtWidgets

from app.dialogs import OpenCamerasDialog, OpenPairDialog
from app.session_file import SUFFIX
from app.sources import SourceSpec


class DialogsMixin:
    """Asks for paths, then calls the window's public methods (which tests call directly)."""

    def _start_dir(self) -> str:
        return self.settings.get("last_dir", str(Path.home()))

    def _remember_dir(self, path: str) -> None:
        self.settings.set("last_dir", str(Path(path).parent if Path(path).is_file() else path))

    def _ask_sequence(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open a dataset sequence folder", self._start_dir())
        if path:
            self._remember_dir(path)
            self.open_source(SourceSpec("sequence", path=path))

    def _ask_pair(self, folders: bool) -> None:
        dialog = OpenPairDialog(folders, self, self._start_dir())
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            spec = dialog.spec()
            self._remember_dir(spec.visible)
            self.open_source(spec)

    def _ask_cameras(self) -> None:
        dialog = OpenCamerasDialog(self, self.capture_factory)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.open_source(dialog.spec())

    def _ask_weights(self) -> None:
        start = self.settings.get("last_weights_dir", self._start_dir())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load matcher weights", start,
                                                        "Matcher checkpoints (*.safetensors);;All files (*)")
        if path:
            self.load_weights(path)

    def _ask_save(self, caption: str, name: str, filter_: str) -> str:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, caption, str(Path(self._start_dir()) / name), filter_)
        return path

    def _ask_results(self) -> None:
        path = self._ask_save("Export results", "results.txt", "Results (*.txt)")
        if path:
            self.export_results(path)

    def _toggle_video(self, on: bool) -> None:
        if not on:
            self.stop_video()
            return
        path = self._ask_save("Record annotated video", "tracking.mp4", "MP4 video (*.mp4)")
        if path:
            self.start_video(path)
        else:
            self.stop_video()

    def _ask_png(self) -> None:
        path = self._ask_save("Save window as PNG", "heterotrack.png", "PNG image (*.png)")
        if path:
            self.save_png(path)

    def _ask_save_session(self) -> None:
        path = self._ask_save("Save session", f"session{SUFFIX}", f"Sessions (*{SUFFIX} *.json)")
        if path:
            self.save_session(path)

    def _ask_open_session(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open session", self._start_dir(),
                                                        f"Sessions (*{SUFFIX} *.json)")
        if path:
            self.open_session(path)

    def _about(self) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, "About HeteroTrack",
                                    "HeteroTrack: visible-infrared (RGB-T) object tracking.\n"
                                    "Press F1 for the keyboard shortcuts; docs/GUI.md describes the panels.",
                                    parent=self)
        box.setModal(False)
        box.show()
