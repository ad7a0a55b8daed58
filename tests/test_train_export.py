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


@pytest.mark.slow
def test_init_from_starts_a_new_run_from_exported_weights(tmp_path, capsys):
    first = tmp_path / "first"
    assert main(["train", "--preset", "tiny", "--synthetic-only", "--run-dir", str(first), "--out",
                 str(tmp_path / "w1"), "--no-progress", "--set", "model.width=0.5"]) == 0
    # The architecture comes from the weights; no --set model.* is needed for the second run.
    second = tmp_path / "second"
    assert main(["train", "--preset", "tiny", "--synthetic-only", "--run-dir", str(second), "--out",
                 str(tmp_path / "w2"), "--no-progress", "--set", "steps=1", "--set", "lr=1e-12",
                 "--set", "warmup_steps=0", "--init-from", str(tmp_path / "w1")]) == 0
    start, cfg, _ = load_matcher(tmp_path / "w1")
    after, cfg2, meta = load_matcher(tmp_path / "w2")
    assert cfg2 == cfg and cfg.width == 0.5
    assert meta["extra"]["steps"] == 1
    # One step at a negligible learning rate: the weights are (almost) those it started from, not random ones.
    for (k, a), (_, b) in zip(start.state_dict().items(), after.state_dict().items()):
        if a.is_floating_point() and "running" not in k:
            assert torch.allclose(a, b, atol=1e-6), k
    config = (second / "config.json").read_text()
    assert "init_from_sha256" in config


def test_init_from_refuses_another_architecture(tmp_path, capsys):
    from models.checkpoint import save_matcher
    from models.config import MatcherConfig
    from models.registry import build_matcher

    cfg = MatcherConfig(width=0.5)
    save_matcher(build_matcher(cfg), cfg, tmp_path / "w")
    code = main(["train", "--preset", "tiny", "--synthetic-only", "--run-dir", str(tmp_path / "r"),
                 "--init-from", str(tmp_path / "w"), "--set", "model.fusion=xcorr", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--init-from" in err and "fusion" in err and "same architecture" in err
    assert main(["train", "--resume", str(tmp_path / "r"), "--init-from", str(tmp_path / "w")]) == 2
    assert "--init-from starts a new run" in capsys.readouterr().err
    assert main(["train", "--preset", "tiny", "--synthetic-only", "--run-dir", str(tmp_path / "r2"),
                 "--init-from", str(tmp_path / "missing"), "--no-progress"]) == 2
    assert "missing.json" in capsys.readouterr().err
