"""Shared pytest-qt fixtures and helpers for the window tests (no tests here)."""
import cv2
import pytest

from app.engine import TrackingEngine
from app.settings import AppSettings
from tests.test_app_doubles import attention_factory, write_small_sequence

WAIT = 8000


@pytest.fixture
def make_window(qtbot, tmp_path):
    """``make(factory=None, capture_factory=...)`` -> a shown MainWindow over a fake-backend engine."""
    from app.main_window import MainWindow

    made = []

    def make(factory=None, capture_factory=cv2.VideoCapture):
        engine = TrackingEngine(backend_factory=factory or attention_factory(), capture_factory=capture_factory)
        window = MainWindow(AppSettings.at(str(tmp_path / "settings.ini")), engine, capture_factory=capture_factory,
                            draw_interval_ms=10)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.shutdown()


@pytest.fixture
def sequence(tmp_path):
    return write_small_sequence(tmp_path / "seq", 30)


def open_and_wait(qtbot, window, spec):
    """Open ``spec`` and wait until its ground-truth box has been selected."""
    with qtbot.waitSignal(window.worker.opened, timeout=WAIT):
        window.open_source(spec)
    qtbot.waitUntil(lambda: window.model.current is not None and window.model.current.kind == "init", timeout=WAIT)


def errors(window):
    return [text for level, text in window.message_bar.messages() if level == "error"]
