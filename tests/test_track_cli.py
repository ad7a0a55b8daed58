"""`heterotrack track` on every dataset layout, with a corrupt frame, and its errors."""
import json

import numpy as np
import pytest

from main import main
from streams.results import read_results
from tests import streams_fixtures as fx
from tests.tracker_doubles import moving_target_scene
from streams.vot_writer import write_vot_sequence


def _vot_sequence(root, n=6):
    frames, gt = moving_target_scene(n=n)
    return write_vot_sequence(root, [(f, b, None) for f, b in zip(frames, gt)], ext=".png"), gt


def test_track_vot_sequence_writes_results_summary_and_video(tmp_path, capsys):
    seq, gt = _vot_sequence(tmp_path / "seq")
    out = tmp_path / "res" / "r.txt"
    code = main(["track", "--sequence", str(seq), "--classic", "--mode", "visible", "--out", str(out),
                 "--save-video", str(tmp_path / "v.mp4"), "--quiet"])
    assert code == 0
    res = read_results(out)
    assert res.shape == (6, 4)
    np.testing.assert_allclose(res[0], gt[0], atol=0.01)  # the first line is the initial box
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["completed"] and summary["tracked"] == 5 and summary["tracker_fps"] > 0
    assert (tmp_path / "v.mp4").stat().st_size > 1000
    assert "cfog" in capsys.readouterr().out


def _write_layout(root, layout, n=5):
    """The moving-target scene in each dataset layout (textured frames the tracker can start on)."""
    frames, gt = moving_target_scene(n=n)
    if layout == "vot":
        return write_vot_sequence(root, [(f, b, None) for f, b in zip(frames, gt)], ext=".png")
    names = {"rgbt234": ("visible", "infrared", "{i:05d}v.png", "{i:05d}i.png"),
             "lasher": ("visible", "infrared", "v{i:06d}.png", "i{i:06d}.png"),
             "gtot": ("v", "i", "{i:05d}v.png", "{i:05d}i.png")}[layout]
    for f in frames:
        fx.write_image(root / names[0] / names[2].format(i=f.index + 1), f.visible)
        fx.write_image(root / names[1] / names[3].format(i=f.index + 1), f.infrared)
    if layout == "gtot":
        ltrb = np.concatenate([gt[:, :2], gt[:, :2] + gt[:, 2:] - 1], axis=1)
        fx.write_lines(root / "groundTruth_v.txt", ltrb, " ")
        fx.write_lines(root / "groundTruth_i.txt", ltrb, " ")
        fx.write_lines(root / "init.txt", [gt[0]], "\t")
    else:
        fx.write_lines(root / "visible.txt", gt)
        fx.write_lines(root / "infrared.txt", gt)
    return root


BUILDERS = {name: (lambda root, name=name: _write_layout(root, name)) for name in ("vot", "rgbt234", "lasher", "gtot")}


@pytest.mark.parametrize("layout", sorted(BUILDERS))
def test_track_every_layout(tmp_path, layout):
    root = tmp_path / layout
    BUILDERS[layout](root)
    out = tmp_path / "r.txt"
    assert main(["track", "--sequence", str(root), "--classic", "--mode", "visible", "--out", str(out),
                 "--quiet"]) == 0
    res = read_results(out)
    assert res.shape == (5, 4) and np.isfinite(res).all()


def test_corrupt_frame_is_logged_and_skipped(tmp_path, capsys):
    seq, _ = _vot_sequence(tmp_path / "seq")
    (seq / "color" / "00000004.png").write_bytes(b"garbage")
    out = tmp_path / "r.txt"
    assert main(["track", "--sequence", str(seq), "--classic", "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "skipped" in err and "00000004.png" in err
    assert len(read_results(out)) == 6
    assert json.loads(out.with_suffix(".json").read_text())["skipped"]


def test_track_errors(tmp_path, capsys):
    seq, _ = _vot_sequence(tmp_path / "seq")
    out = str(tmp_path / "r.txt")
    assert main(["track", "--sequence", str(seq), "--init", "1,1,0,5", "--classic", "--out", out]) == 2
    assert "--init" in capsys.readouterr().err
    assert main(["track", "--sequence", str(seq), "--init", "900,1,5,5", "--classic", "--out", out]) == 2
    assert "outside" in capsys.readouterr().err
    assert main(["track", "--sequence", str(tmp_path / "nope"), "--classic", "--out", out]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["track", "--visible", str(seq / "color"), "--classic", "--out", out]) == 2
    assert "--infrared" in capsys.readouterr().err
    bad = tmp_path / "w.safetensors"
    bad.write_bytes(b"x")
    assert main(["track", "--sequence", str(seq), "--weights", str(bad), "--out", out]) == 2
    assert "w.json: checkpoint metadata not found" in capsys.readouterr().err
