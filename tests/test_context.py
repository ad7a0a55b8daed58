"""Template context (models/classic/context.py): the box matched with a band of its surroundings."""
import json

import cv2
import numpy as np
import pytest

import main
from core.geometry import iou
from evaluation import match_eval
from models.classic import CfogConfig, CfogMatcher
from models.classic.context import context_band, match_with_context
from models.descriptor.config import DescriptorConfig
from models.descriptor.matcher import DescriptorMatcher
from models.descriptor.network import DescriptorNet
from tests.test_classic import cross_modal, shapes_scene
from tests.test_eval_match import pairs  # noqa: F401  (the fixture)


def _twin_scene(seed=0):
    """A scene holding one motif twice: the box (x=40) and its twin (x=100) look alike, their surroundings
    do not. Returns visible grey, infrared, the box and a search window holding both copies."""
    grey = shapes_scene(120, 160, seed=seed, n_shapes=22)
    motif = shapes_scene(24, 24, seed=99, n_shapes=4)
    grey[40:64, 40:64] = motif
    grey[40:64, 100:124] = motif
    return grey, cross_modal(grey, seed=seed), (40.0, 40.0, 24.0, 24.0), (30.0, 30.0, 104.0, 44.0)


def test_the_band_grows_the_box_and_clips_at_the_image():
    grown, (left, top) = context_band((10, 50, 20, 40), 0.5, (100, 200))
    assert grown == (0.0, 35.0, 45.0, 65.0) and (left, top) == (10.0, 15.0)  # clipped left and below
    assert context_band((10, 50, 20, 40), 0.0, (100, 200)) == ((10.0, 50.0, 20.0, 40.0), (0.0, 0.0))


def test_context_tells_a_motif_from_its_twin():
    hits = {0.0: 0, 1.0: 0}
    for seed in range(6):
        vis, ir, box, window = _twin_scene(seed)
        for context in hits:
            m = CfogMatcher(CfogConfig())
            m.context = context
            found = m.match(vis, box, ir, window).box
            hits[context] += iou(np.array([found]), np.array([box]))[0] > 0.8
            assert found[2:] == pytest.approx(box[2:])  # the box keeps the template's size
    assert hits[1.0] == 6 and hits[0.0] < 6, hits


def test_a_target_at_the_border_is_found_and_the_border_does_not_place_it():
    grey = shapes_scene(120, 160, seed=3, n_shapes=26)
    ir = cross_modal(grey, seed=3)
    m = CfogMatcher(CfogConfig())
    m.context = 1.0
    for box in ((0.0, 30.0, 30.0, 30.0), (130.0, 90.0, 30.0, 30.0)):
        window = (max(0.0, box[0] - 30), max(0.0, box[1] - 30), 75.0, 75.0)
        res = m.match(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB), box, ir, window)
        assert iou(np.array([res.box]), np.array([box]))[0] > 0.9
        # every placement of the box in the window is scored (zeros beyond the image, not a narrower range)
        x0, x1 = max(0, int(window[0])), min(160, int(window[0] + window[2]))
        assert res.response.shape[1] >= x1 - x0 - int(box[2])


def test_shrinking_a_large_query_maps_the_box_back():
    grey = cv2.resize(shapes_scene(120, 160, seed=5, n_shapes=30), (480, 360), interpolation=cv2.INTER_CUBIC)
    ir = cross_modal(grey, seed=5)
    box, truth = (200.0, 150.0, 80.0, 60.0), (200.0, 150.0, 80.0, 60.0)
    window = (150.0, 110.0, 200.0, 150.0)
    m = CfogMatcher(CfogConfig())
    full = match_with_context(m, grey, box, ir, window, 1.0)
    small = match_with_context(m, grey, box, ir, window, 1.0, max_side=64)
    assert abs(full.box[0] - truth[0]) < 1.0 and abs(full.box[1] - truth[1]) < 1.0
    assert abs(small.box[0] - truth[0]) < 3.0 and abs(small.box[1] - truth[1]) < 3.0
    assert small.stride > 2.0 and small.response.size < full.response.size / 4


def test_the_descriptor_matcher_takes_context_but_not_with_several_scales():
    net = DescriptorNet(DescriptorConfig())
    plain, ctx = DescriptorMatcher(net), DescriptorMatcher(net, context=1.0, context_side=64)
    vis, ir, box, window = _twin_scene(1)
    vis = cv2.cvtColor(vis, cv2.COLOR_GRAY2RGB)
    assert iou(np.array([ctx.match(vis, box, ir, window).box]), np.array([box]))[0] > 0.8
    assert ctx.flops_per_query("visible") != plain.flops_per_query("visible")
    with pytest.raises(ValueError, match="multi-scale"):
        DescriptorMatcher(net, scales=(1.0, 0.5), context=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        DescriptorMatcher(net, context=-1.0)


def test_eval_match_baseline_context_names_the_rows_and_records_the_setting(pairs, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(match_eval, "DEFAULT_WEIGHTS", tmp_path / "absent.safetensors")
    q, report = tmp_path / "q.csv", tmp_path / "r.json"
    assert main.main(["eval-match", "--make-queries", "--pairs", str(pairs), "--n-per-pair", "2", "--out", str(q)]) == 0
    assert main.main(["eval-match", "--pairs", str(pairs), "--queries", str(q), "--out", str(tmp_path / "p.csv"),
                      "--method", "all", "--baseline-context", "1", "--report", str(report), "--no-progress"]) == 0
    data = json.loads(report.read_text())
    assert data["methods"] == ["ncc+ctx", "grad-ncc+ctx", "sift", "cfog+ctx"]
    assert data["context"]["cfog+ctx"] == {"context": 1.0, "side": 64.0}


def test_eval_match_refuses_a_negative_context(pairs, tmp_path, capsys):  # noqa: F811
    q = tmp_path / "q.csv"
    assert main.main(["eval-match", "--make-queries", "--pairs", str(pairs), "--n-per-pair", "1", "--out", str(q)]) == 0
    code = main.main(["eval-match", "--pairs", str(pairs), "--queries", str(q), "--out", str(tmp_path / "p.csv"),
                      "--method", "cfog", "--baseline-context", "-1"])
    assert code == 2 and "--baseline-context" in capsys.readouterr().err
