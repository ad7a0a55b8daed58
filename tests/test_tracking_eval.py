"""PR / SR / NPR definitions, the RGB-T convention, and the eval-track command."""
import numpy as np
import pytest

from core.errors import InputError
from evaluation.tracking_metrics import frame_errors, scores
from main import main
from streams.frames import FramePair
from streams.vot_writer import write_vot_sequence


def test_perfect_prediction_scores_one():
    gt = np.array([[10, 10, 20, 20]] * 5, float)
    s = scores(frame_errors(gt, gt))
    assert s.frames == 4  # the init frame is left out
    assert s.pr == 1.0 and s.npr == 1.0
    assert s.sr == pytest.approx(20 / 21)  # IoU 1 is not > 1


def test_hand_computed_errors():
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [30, 0, 10, 10]], float)
    e = frame_errors(pred, gt)
    assert np.isnan(e.iou[0])
    assert e.iou[1] == pytest.approx(50 / 150) and e.iou[2] == 0
    assert e.center[1] == pytest.approx(5) and e.center[2] == pytest.approx(30)
    s = scores(e)
    assert s.pr == 0.5
    assert e.norm_center[1] == pytest.approx(0.5)


def test_rgbt_convention_takes_better_modality():
    gt_v = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], float)
    gt_i = np.array([[0, 0, 10, 10], [50, 0, 10, 10]], float)
    pred = np.array([[0, 0, 10, 10], [48, 0, 10, 10]], float)
    e = frame_errors(pred, gt_v, pred, gt_i)
    assert e.center[1] == pytest.approx(2)  # the IR error is smaller
    assert e.iou[1] == pytest.approx(8 / 12)


def test_absent_frames_and_missing_predictions():
    gt = np.array([[0, 0, 10, 10], [np.nan] * 4, [0, 0, 10, 10]], float)
    pred = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4], float)
    e = frame_errors(pred, gt)
    assert np.isnan(e.center[1])  # target absent: not evaluated
    assert e.iou[2] == 0 and np.isinf(e.center[2])  # no box on a present target: a miss
    assert scores(e).frames == 1


def _sequence(root, n=4):
    img = np.zeros((40, 60, 3), np.uint8)
    frames = [(FramePair(i, img, img[..., 0]), np.array([5.0 + i, 5, 10, 10]), None) for i in range(n)]
    return write_vot_sequence(root, frames, ext=".png")


def test_eval_track_command(tmp_path, capsys):
    ds = tmp_path / "ds"
    _sequence(ds / "a")
    _sequence(ds / "b")
    res = tmp_path / "mytracker"
    res.mkdir()
    for name in ("a", "b"):
        (res / f"{name}.txt").write_text("".join(f"{5 + i},5,10,10\n" for i in range(4)))
    assert main(["eval-track", "--dataset", str(ds), "--results", str(res), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "| mytracker | 6 | 0.952 | 1.000 | 1.000 |" in out
    assert (tmp_path / "o" / "success.png").stat().st_size > 1000


def test_eval_track_errors_name_the_file(tmp_path, capsys):
    ds = tmp_path / "ds"
    _sequence(ds / "a")
    res = tmp_path / "r"
    res.mkdir()
    assert main(["eval-track", "--dataset", str(ds), "--results", str(res)]) == 2
    assert "a.txt: no results for sequence 'a'" in capsys.readouterr().err
    (res / "a.txt").write_text("1,1,5,5\n")
    assert main(["eval-track", "--dataset", str(ds), "--results", str(res)]) == 2
    assert "1 result lines but sequence 'a' has 4 frames" in capsys.readouterr().err
    with pytest.raises(InputError, match="not found"):
        from evaluation.track_eval import find_sequences
        find_sequences(tmp_path / "nope")
