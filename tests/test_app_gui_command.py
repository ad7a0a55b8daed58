"""``heterotrack gui``: the no-display message, argument errors, and the headless screenshot/latency run."""
import dataclasses
import json

import cv2
import pytest

from main import main

pytest.importorskip("pytestqt")


def test_no_display_prints_what_to_do_instead(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "heterotrack demo --out DIR" in err and "--screenshot" in err


@pytest.mark.parametrize("argv,match", [
    (["gui", "--sequence", "a", "--camera", "0"], "one source"),
    (["gui", "--visible", "a.mp4"], "together"),
    (["gui", "--size", "big"], "--size"),
    (["gui", "--frames", "-1"], "--frames"),
])
def test_argument_errors(argv, match, capsys):
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_headless_screenshot_and_latency_report(qtbot, tmp_path, capsys):
    from app.demo_source import open_demo
    from app.engine import TrackingEngine
    from app.launcher import LaunchOptions, run_gui
    from app.settings import AppSettings
    from synth.scene import PRESETS
    from tests.test_app_doubles import attention_factory

    small = dataclasses.replace(PRESETS["demo"], frames=20, width=320, height=256)
    engine = TrackingEngine(backend_factory=attention_factory(), demo_opener=lambda: open_demo(small, tmp_path / "c"))
    shot, latency, results = tmp_path / "gui.png", tmp_path / "latency.json", tmp_path / "res.txt"
    options = LaunchOptions(frames=8, screenshot=str(shot), latency_report=str(latency), results=str(results),
                            size=(1200, 800))
    rc = run_gui(options, engine=engine, settings=AppSettings.at(str(tmp_path / "s.ini")))
    assert rc == 0, capsys.readouterr().err
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (800, 1200) and image.std() > 10
    report = json.loads(latency.read_text())
    assert report["frames_tracked"] >= 8 and report["samples"] > 0 and report["median_ms"] >= 0
    assert len(results.read_text().splitlines()) >= 9
    assert "screenshot:" in capsys.readouterr().out
