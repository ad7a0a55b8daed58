"""Dialogs: the pair dialog's spec, the camera dialog's live preview (fake capture), the shortcut list."""
import pytest

pytest.importorskip("pytestqt")

from tests.test_app_doubles import SceneCapture


def test_pair_dialog_builds_the_spec(qtbot, tmp_path):
    from app.dialogs import OpenPairDialog

    dialog = OpenPairDialog(folders=True)
    qtbot.addWidget(dialog)
    dialog.visible.edit.setText(str(tmp_path / "v"))
    dialog.infrared.edit.setText(str(tmp_path / "i"))
    dialog.allow_mismatch.setChecked(True)
    dialog.fps.setValue(25)
    spec = dialog.spec()
    assert (spec.kind, spec.visible, spec.infrared, spec.fps, spec.allow_length_mismatch) == (
        "pair", str(tmp_path / "v"), str(tmp_path / "i"), 25.0, True)


def test_camera_dialog_live_preview(qtbot):
    from app.dialogs import OpenCamerasDialog

    dialog = OpenCamerasDialog(capture_factory=SceneCapture)
    qtbot.addWidget(dialog)
    dialog.visible.setText("2")
    dialog.preview_button.setChecked(True)
    qtbot.waitUntil(lambda: dialog.previews["visible"].pixmap() is not None
                    and not dialog.previews["visible"].pixmap().isNull(), timeout=5000)
    assert "no infrared camera" in dialog.previews["infrared"].text()
    dialog.accept()
    assert dialog._source is None and dialog.spec().visible == "2"


def test_camera_dialog_reports_a_camera_that_cannot_open(qtbot):
    from app.dialogs import OpenCamerasDialog
    from tests.streams_fixtures import fake_factory

    dialog = OpenCamerasDialog(capture_factory=fake_factory(opened=False))
    qtbot.addWidget(dialog)
    dialog.preview_button.setChecked(True)
    assert "could not open" in dialog.status.text() and not dialog.preview_button.isChecked()


def test_shortcut_list_matches_the_window_actions(qtbot, tmp_path):
    from app.dialogs import SHORTCUTS, ShortcutsDialog
    from app.main_window import MainWindow
    from app.settings import AppSettings

    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    window = MainWindow(AppSettings.at(str(tmp_path / "s.ini")))
    qtbot.addWidget(window)
    bound = {a.shortcut().toString() for a in window.actions_by_key.values() if not a.shortcut().isEmpty()}
    listed = {key.strip() for keys, _ in SHORTCUTS for key in keys.split(" / ")}
    assert listed == bound
    window.shutdown()
