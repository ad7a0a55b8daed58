"""`heterotrack train --export`: checkpoint -> matcher weights that load and match the trained model."""
import pytest
import torch

from main import main
from models.checkpoint import load_matcher


@pytest.mark.slow
def test_export_round_trip(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--preset", "tiny", "--synthetic-only", "--run-dir", str(run), "--out", str(run / "final"),
                 "--no-progress"]) == 0
    assert main(["train", "--export", str(run), "--out", str(tmp_path / "exported")]) == 0
    exported, cfg, meta = load_matcher(tmp_path / "exported")
    final, _, _ = load_matcher(run / "final")
    for (k, a), (_, b) in zip(exported.state_dict().items(), final.state_dict().items()):
        assert torch.equal(a, b), k
    assert meta["extra"]["steps"] == 4
    assert meta["extra"]["exported_from"].endswith("step_00000004")


def test_export_errors(tmp_path, capsys):
    assert main(["train", "--export", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "no training checkpoint found" in capsys.readouterr().err
    assert main(["train", "--export", str(tmp_path)]) == 2
    assert "--export needs --out" in capsys.readouterr().err
