"""Tracking-like descriptor training queries from the synthetic generator (training/descriptor/synthetic.py)."""
import numpy as np
import pytest
import torch

from core.errors import ConfigError

from models.descriptor.config import DescriptorConfig
from models.descriptor.matcher import DescriptorFeatures
from models.descriptor.ncc import zncc_map
from models.descriptor.network import DescriptorNet
from tests.test_descriptor import pair, small_cfg
from training.descriptor.config import DescriptorTrainConfig, DescriptorTrainConfigError
from training.descriptor.data import QuerySampler
from training.descriptor.synthetic import SyntheticQueries, render_scenes


@pytest.fixture(scope="module")
def scenes():
    return render_scenes(("day", "misaligned"), n_scenes=2, n_frames=5, seed=1000)


def test_rendered_scenes_keep_per_modality_boxes(scenes):
    assert len(scenes) == 2 and all(len(s) >= 2 for s in scenes)
    misaligned = scenes[1]
    # the misaligned preset's IR box is offset from the visible one; each modality keeps its own
    assert any(not np.allclose(f.boxes["visible"][:2], f.boxes["infrared"][:2], atol=1.0) for f in misaligned)


def test_homologous_same_frame_queries_put_the_template_where_the_offset_says(scenes):
    margin = 6
    q = SyntheticQueries(scenes, margin, 2.5, max_gap=0, cross_fraction=0.0)
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = q.draw(rng)
        assert d.template_modality == d.search_modality
        t = d.template.astype(np.float32)[margin:-margin, margin:-margin]
        s = d.search.astype(np.float32)[margin:-margin, margin:-margin]
        t, s = (x.mean(axis=2) if x.ndim == 3 else x for x in (t, s))
        r = zncc_map(torch.from_numpy(s)[None], torch.from_numpy(t)[None])
        peak = np.unravel_index(int(r.argmax()), tuple(r.shape))
        assert abs(peak[0] - d.offset[0]) <= 1 and abs(peak[1] - d.offset[1]) <= 1


def test_queries_have_the_trackers_work_scale(scenes):
    """The template's mean side comes out near what the tracker's half-scale crops give (127/2 px per
    context size): ~20-45 px for these targets, whatever their size in the frame."""
    q = SyntheticQueries(scenes, 6, 2.5, max_gap=3)
    rng = np.random.default_rng(1)
    sides = []
    for _ in range(30):
        d = q.draw(rng)
        h, w = d.template.shape[:2]
        sides.append(np.sqrt((h - 12) * (w - 12)))
        assert d.search.shape[0] >= d.template.shape[0] and d.search.shape[1] >= d.template.shape[1]
    assert 15 < np.median(sides) < 50


def test_sampler_mixes_synthetic_queries_in_and_fraction_zero_leaves_old_runs_unchanged(scenes):
    net = DescriptorNet(DescriptorConfig())
    feats = DescriptorFeatures(net)
    synthetic = SyntheticQueries(scenes, feats.margin, 2.5, max_gap=3)
    old = QuerySampler([pair(1), pair(2)], small_cfg(), feats.cfog, feats.margin)
    off = QuerySampler([pair(1), pair(2)], small_cfg(), feats.cfog, feats.margin, synthetic)
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    for _ in range(5):
        qa, qb = old.draw(a), off.draw(b)
        assert qa.offset == qb.offset and np.array_equal(qa.search[0], qb.search[0])
    every = QuerySampler([pair(1), pair(2)], small_cfg(synthetic_fraction=1.0), feats.cfog, feats.margin, synthetic)
    rng = np.random.default_rng(5)
    for _ in range(5):
        query = every.draw(rng)
        c, h, w = query.search[0].shape
        i, j = query.offset
        th, tw = query.template[0].shape[1:]
        assert c == feats.cfog.n_orientations and 0 <= i <= h - th and 0 <= j <= w - tw


def test_synthetic_settings_are_validated():
    with pytest.raises(DescriptorTrainConfigError, match="synthetic_fraction"):
        DescriptorTrainConfig(synthetic_fraction=1.5)
    with pytest.raises(DescriptorTrainConfigError, match="synthetic_frames"):
        DescriptorTrainConfig(synthetic_frames=0)
    with pytest.raises(DescriptorTrainConfigError, match="synthetic_presets"):
        DescriptorTrainConfig(synthetic_presets="day")
    with pytest.raises(ConfigError, match="unknown preset 'fog'"):
        render_scenes(("fog",), 1, 2, 0)


def test_train_descriptor_command_with_synthetic_queries(tmp_path, capsys):
    import json

    import main
    from tests.test_descriptor import _write_pairs

    root = _write_pairs(tmp_path / "rs")
    (tmp_path / "train.txt").write_text("p1\np2\n")
    (tmp_path / "val.txt").write_text("p3\n")

    def args(run_dir, *extra):
        return [str(a) for a in (
            "train-descriptor", "--roadscene", root, "--train-list", tmp_path / "train.txt",
            "--val-list", tmp_path / "val.txt", "--run-dir", run_dir, "--out", tmp_path / "w",
            "--set", "steps=2", "--set", "batch=4", "--set", "val_every=2", "--set", "val_queries=3",
            "--set", "scales=1.0", "--set", "model.hidden=8", "--set", "synthetic_fraction=0.5",
            "--set", "synthetic_scenes=1", "--set", "synthetic_frames=3", *extra, "--no-progress")]

    assert main.main(args(tmp_path / "run")) == 0
    assert "synthetic frames in 1 scenes" in capsys.readouterr().err
    meta = json.loads((tmp_path / "w.json").read_text())
    assert meta["extra"]["train_config"]["synthetic_fraction"] == 0.5
    assert main.main(args(tmp_path / "run2", "--set", "synthetic_presets=fog")) == 2
    assert "unknown preset 'fog'" in capsys.readouterr().err
