"""``heterotrack demo``: renders the synthetic demo headless (sequence, side-by-side video, preview)."""
import argparse

import cv2
import numpy as np
import pytest

from main import main

SMALL = ["--frames", "6", "--set", "width=160", "--set", "height=128", "--set", "fps=10", "--quiet"]


def run_cli(capsys, *argv):
    code = main(["demo", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_writes_sequence_video_and_preview(capsys, tmp_path):
    out = tmp_path / "demo"
    code, stdout, _ = run_cli(capsys, "--out", out, *SMALL)
    assert code == 0
    for path in (out / "sequence", out / "demo.mp4", out / "preview.png"):
        assert str(path) in stdout
    seq = out / "sequence"
    assert len(list((seq / "color").iterdir())) == 6 and len(list((seq / "ir").iterdir())) == 6
    assert len((seq / "groundtruth.txt").read_text().splitlines()) == 6
    assert (seq / "meta.json").is_file() and (seq / "sequence").is_file()
    cap = cv2.VideoCapture(str(out / "demo.mp4"))
    ok, frame = cap.read()
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert ok and frame.shape == (128, 320, 3) and count == 6
    preview = cv2.imread(str(out / "preview.png"))
    assert preview.shape == (128, 320, 3) and preview.std() > 10
    # The tracker ran too: one results line per frame, the first being the ground truth box.
    lines = (out / "results.txt").read_text().splitlines()
    assert len(lines) == 6 and lines[0] == (seq / "groundtruth.txt").read_text().splitlines()[0]
    assert "tracker:" in stdout and "mean IoU" in stdout


def test_rerun_with_fewer_frames_leaves_no_stale_frames(capsys, tmp_path):
    out = tmp_path / "demo"
    assert run_cli(capsys, "--out", out, *SMALL)[0] == 0
    argv = [a if a != "6" else "3" for a in SMALL]
    assert run_cli(capsys, "--out", out, *argv, "--seed", "4")[0] == 0
    assert len(list((out / "sequence" / "color").iterdir())) == 3


def test_bad_out_preset_and_settings_give_clear_errors(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    code, _, err = run_cli(capsys, "--out", blocker, *SMALL)
    assert code == 2 and f"--out: {blocker} exists and is not a folder" in err
    code, _, err = run_cli(capsys, "--out", tmp_path / "x", "--preset", "noon")
    assert code == 2 and "--preset: unknown preset 'noon'" in err and "leave-reenter" in err
    code, _, err = run_cli(capsys, "--out", tmp_path / "x", "--set", "colour=red")
    assert code == 2 and "--set colour: unknown key for SceneConfig" in err
    code, _, err = run_cli(capsys, "--out", tmp_path / "x", "--frames", "0")
    assert code == 2 and "--frames: must be at least 1" in err
    assert not (tmp_path / "x").exists()


def test_render_demo_draws_extra_overlays(tmp_path):
    from commands.demo import demo_config, render_demo
    from synth.scene.preview import BoxOverlay

    cfg = demo_config("night", 3, 2, ["width=160", "height=128", "fps=10"])
    calls = []

    def overlays(item):
        calls.append(item.frame.index)
        return [BoxOverlay(np.array([10.0, 10.0, 30.0, 20.0]), None, (255, 0, 0), "tracker")]

    outputs = render_demo(cfg, tmp_path / "o", progress=False, overlays=overlays)
    assert calls == [0, 1, 2] and outputs.frames == 3
    preview = cv2.imread(str(outputs.preview))
    assert (preview[10:31, 9:12, 2] > 200).any()  # the red box's left edge (BGR on disk)


def test_help_lists_every_preset():
    from commands.demo import PRESET_NAMES, add_arguments
    from synth.scene import PRESETS

    assert PRESET_NAMES.split(", ") == list(PRESETS)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args([])  # --out is required
