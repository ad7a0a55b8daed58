"""The main window with pytest-qt (offscreen): tracking, views, exports and a smoke test."""
import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.sources import SourceSpec
from streams.results import read_results
from tests.test_app_doubles import attention_factory
from tests.test_app_qt_helpers import WAIT, errors, make_window, open_and_wait, sequence  # noqa: F401 - fixtures


def test_track_twenty_frames_views_and_exports(qtbot, make_window, sequence, tmp_path):
    root, boxes = sequence
    window = make_window()
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
    assert window.selection is not None  # the ground truth's first box was pre-selected
    window.select_target(boxes[0] + [2, 0, 0, 0], "infrared")  # programmatic selection on the IR view
    qtbot.waitUntil(lambda: window.model.history.has(0) and window.model.current.kind == "init", timeout=WAIT)
    results = tmp_path / "out" / "results.txt"
    window.export_results(results)
    window.start_video(str(tmp_path / "out" / "run.mp4"))
    score_item = window.score_maps.images["fused"]
    window.commands.stop_after.emit(20)
    window.play()
    qtbot.waitUntil(lambda: window.model.frames_processed >= 3, timeout=WAIT)
    window.redraw_now()
    early_scores = np.array(score_item.image, copy=True)
    early_box = window.images.box_rect("visible")
    qtbot.waitUntil(lambda: window.model.frames_processed >= 20 and not window.model.playing, timeout=WAIT)
    window.redraw_now()
    assert window.model.current.index == 20
    late_box = window.images.box_rect("visible")
    assert late_box.x() - early_box.x() > 30  # the box followed the square to the right
    assert abs(late_box.x() - boxes[20][0]) < 8
    assert not np.array_equal(early_scores, score_item.image)  # the score maps were redrawn
    assert window.images.panels["visible"].image.image.shape == (240, 320, 3)
    assert window.plots.curves["confidence"].getData()[0][-1] == 20
    window.stop_video()
    qtbot.waitUntil(lambda: any("annotated frames" in t for _, t in window.message_bar.log), timeout=WAIT)
    cap = cv2.VideoCapture(str(tmp_path / "out" / "run.mp4"))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert count >= 10
    window.stop_results_export()
    rows = read_results(results)
    assert len(rows) == 21 and np.abs(rows[20, :2] - boxes[20, :2]).max() < 8
    png = window.save_png(tmp_path / "out" / "window.png")
    assert cv2.imread(str(png)).shape[:2] == (window.height(), window.width())
    assert not errors(window)


def test_attention_view_modes(qtbot, make_window, sequence):
    root, _ = sequence
    for factory, mode, words in ((attention_factory(), "attention", "template centre"),
                                 (attention_factory(attention=False), "activation", "no attention maps"),
                                 (attention_factory(attention=False, features=False), "response", "neither")):
        window = make_window(factory)
        window.docks["attention"].raise_()
        open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
        window.step()
        qtbot.waitUntil(lambda: window.model.frames_processed >= 1, timeout=WAIT)
        window.redraw_now()
        assert window.attention.mode == mode
        assert words in window.attention.note.text()
        if mode == "attention":
            assert window.attention.head.isEnabled() and window.attention.head.count() == 3  # mean + 2 heads
            window.attention.head.setCurrentIndex(2)
            assert "head 1" in window.attention.note.text()
        window.docks["features"].raise_()
        window.redraw_now()
        assert window.features.has_features == (mode != "response")
        if mode == "response":
            assert "no feature maps" in window.features.note.text()
        else:
            assert window.features.panels["search"].heat.image.shape == (4 * 32 + 3, 4 * 32 + 3)


def test_smoke_open_track_close(qtbot, make_window, sequence):
    root, _ = sequence
    window = make_window()
    window.set_mode("cross")  # before any matcher exists
    qtbot.waitUntil(lambda: window.model.mode == "cross", timeout=WAIT)
    assert window.mode_combo.currentText() == "cross"
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
    window.play()
    qtbot.waitUntil(lambda: window.model.frames_processed >= 3, timeout=WAIT)
    window.close()
    assert not window.thread.isRunning()


class _Drag:
    """The parts of a pyqtgraph MouseDragEvent the selection uses."""

    def __init__(self, start, end, finish):
        from PyQt6 import QtCore

        self._button, self.start, self.end, self.finish = QtCore.Qt.MouseButton.LeftButton, start, end, finish

    def button(self):
        return self._button

    def buttonDownPos(self):  # noqa: N802 - pyqtgraph's name
        return self.start

    def pos(self):
        return self.end

    def isFinish(self):  # noqa: N802
        return self.finish

    def accept(self):
        pass


def test_drag_selects_on_either_view_and_keys_drive_playback(qtbot, make_window, sequence):
    from PyQt6 import QtCore

    root, boxes = sequence
    window = make_window()
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
    window.begin_selection()
    view = window.images.panels["infrared"].view
    assert view.selection_enabled
    a = view.mapFromView(QtCore.QPointF(62, 80))
    b = view.mapFromView(QtCore.QPointF(102, 120))
    with qtbot.waitSignal(window.images.boxDrawn, timeout=WAIT) as drawn:
        view.mouseDragEvent(_Drag(a, b, finish=False))
        view.mouseDragEvent(_Drag(a, b, finish=True))
    np.testing.assert_allclose(drawn.args[0], [62, 80, 40, 40], atol=0.5)
    assert drawn.args[1] == "infrared"
    qtbot.waitUntil(lambda: window.selection is not None and abs(window.selection[0][0] - 62) < 0.5, timeout=WAIT)
    assert not view.selection_enabled  # after a selection, dragging pans again
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.model.frames_processed == 1, timeout=WAIT)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.model.playing, timeout=WAIT)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.model.playing, timeout=WAIT)


def test_uncaught_exceptions_become_messages(qtbot, make_window):
    from app.launcher import ErrorReporter

    window = make_window()
    reporter = ErrorReporter(window.show_message)
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        reporter.hook(RuntimeError, exc, exc.__traceback__)
    qtbot.waitUntil(lambda: any("boom" in e for e in errors(window)), timeout=WAIT)
    assert "keeps running" in errors(window)[-1]
