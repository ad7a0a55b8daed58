"""The main window with pytest-qt (offscreen): error messages, live cameras, session files."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app.sources import SourceSpec
from tests.streams_fixtures import fake_factory, write_folder
from tests.test_app_doubles import SceneCapture
from tests.test_app_qt_helpers import WAIT, errors, make_window, open_and_wait, sequence  # noqa: F401 - fixtures


def test_errors_are_messages_and_the_app_keeps_running(qtbot, make_window, sequence, tmp_path):
    root, _ = sequence
    window = make_window(capture_factory=fake_factory(frames=5, period=0.005))
    window.open_source(SourceSpec("sequence", path=str(tmp_path / "missing")))
    qtbot.waitUntil(lambda: bool(errors(window)), timeout=WAIT)
    assert str(tmp_path / "missing") in errors(window)[-1]
    write_folder(tmp_path / "vis", 6, "visible")
    write_folder(tmp_path / "ir", 4, "infrared")
    window.open_source(SourceSpec("pair", visible=str(tmp_path / "vis"), infrared=str(tmp_path / "ir")))
    qtbot.waitUntil(lambda: len(errors(window)) >= 2, timeout=WAIT)
    assert "6" in errors(window)[-1] and "4" in errors(window)[-1] and "Streams may differ" in errors(window)[-1]
    window.open_source(SourceSpec("cameras", visible="0"))  # delivers 5 frames, then fails
    qtbot.waitUntil(lambda: any("camera 0" in e for e in errors(window)), timeout=WAIT)
    assert not window.model.playing
    window.load_weights(str(tmp_path / "model.bad"))
    qtbot.waitUntil(lambda: any("model.bad" in e for e in errors(window)), timeout=WAIT)
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))  # still works afterwards
    window.step()
    qtbot.waitUntil(lambda: window.model.frames_processed >= 1, timeout=WAIT)
    assert window.isVisible()

def test_live_camera_preview_then_select_and_track(qtbot, make_window):
    window = make_window(capture_factory=SceneCapture)
    with qtbot.waitSignal(window.worker.opened, timeout=WAIT):
        window.open_source(SourceSpec("cameras", visible="0"))
    qtbot.waitUntil(lambda: window.model.playing and window.model.current is not None, timeout=WAIT)
    assert window.model.current.kind == "preview" and not window.model.can_seek
    window.pause()
    qtbot.waitUntil(lambda: not window.model.playing, timeout=WAIT)
    window.redraw_now()
    assert window.images.panels["visible"].view.selection_enabled  # no target yet: dragging selects
    window.select_target([60, 80, 40, 40], "visible")
    qtbot.waitUntil(lambda: window.model.current.kind == "init", timeout=WAIT)
    window.play()
    qtbot.waitUntil(lambda: window.model.frames_processed >= 5, timeout=WAIT)
    window.pause()
    qtbot.waitUntil(lambda: not window.model.playing, timeout=WAIT)
    window.redraw_now()
    assert window.status.labels["dropped"].isVisible()

def test_session_save_and_reopen(qtbot, make_window, sequence, tmp_path):
    root, boxes = sequence
    window = make_window()
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
    window.set_mode("infrared")
    qtbot.waitUntil(lambda: window.model.mode == "infrared", timeout=WAIT)
    path = window.save_session(tmp_path / "s.htsession.json")
    window2 = make_window()
    window2.open_session(path)
    qtbot.waitUntil(lambda: window2.model.current is not None and window2.model.current.kind == "init", timeout=WAIT)
    qtbot.waitUntil(lambda: window2.model.mode == "infrared", timeout=WAIT)
    np.testing.assert_allclose(window2.selection[0], boxes[0], atol=0.01)
    window2.open_session(tmp_path / "nope.json")
    assert any("nope.json" in e for e in errors(window2))


def test_a_session_whose_source_fails_leaves_no_pending_restore(qtbot, make_window, sequence, tmp_path):
    from app.session_file import Session, save_session

    root, _ = sequence
    window = make_window()
    path = save_session(Session(SourceSpec("sequence", path=str(tmp_path / "gone")), mode="infrared"),
                        tmp_path / "s.json")
    window.open_session(path)
    qtbot.waitUntil(lambda: any("gone" in e for e in errors(window)), timeout=WAIT)
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(root)))
    qtbot.wait(100)
    assert window.model.mode == "fused" and window.engine.config.mode == "fused"


def test_an_ir_offset_found_at_init_is_told_to_the_user(qtbot, make_window, tmp_path):
    from tests.test_app_doubles import write_vot_sequence
    from tests.test_tracker_motion import shifted_ir
    from tests.tracker_doubles import moving_target_scene
    from tracker.classic_backend import CfogBackend

    frames, gt = moving_target_scene(n=6)
    frames, _ = shifted_ir(frames, gt, 14, -9)
    write_vot_sequence(tmp_path / "shifted", [(f, b, None) for f, b in zip(frames, gt)], fps=30, ext=".png")
    window = make_window(factory=lambda weights, classic: CfogBackend())
    open_and_wait(qtbot, window, SourceSpec("sequence", path=str(tmp_path / "shifted")))
    window.select_target(list(gt[0]), "visible")
    qtbot.waitUntil(lambda: window.model.current is not None and window.model.current.kind == "init", timeout=WAIT)
    qtbot.waitUntil(lambda: any("not aligned" in t for _, t in window.message_bar.messages()), timeout=WAIT)
    text = next(t for _, t in window.message_bar.messages() if "not aligned" in t)
    assert "+1" in text and "in infrared" in text  # (+14.x, -9.x) px
