"""Multi-scale matching with the learned descriptor (DescriptorMatcher(scales=...), eval-match --model-scales)."""
import numpy as np
import pytest

import main
from models.descriptor.matcher import DescriptorMatcher
from tests.test_descriptor import _write_pairs, pair, shapes_scene, trained_net


def test_one_scale_is_the_plain_dense_match():
    net = trained_net()
    p = pair(6)
    a = DescriptorMatcher(net).match(p.visible, (50, 40, 30, 30), p.infrared, (30, 20, 75, 75))
    b = DescriptorMatcher(net, scales=(1.0,)).match(p.visible, (50, 40, 30, 30), p.infrared, (30, 20, 75, 75))
    assert a.box == b.box and np.array_equal(a.response, b.response)


@pytest.mark.parametrize("box", [(61.0, 47.0, 36.0, 28.0), (40.0, 90.0, 50.0, 44.0)])
def test_two_scales_find_a_homologous_copy_exactly_and_keep_the_full_resolution_grid(box):
    grey = shapes_scene(200, 240, seed=4, n_shapes=50)
    window = (box[0] - 30.0, box[1] - 25.0, 2.5 * box[2], 2.5 * box[3])
    one = DescriptorMatcher(trained_net()).match(grey, box, grey, window)
    two = DescriptorMatcher(trained_net(), scales=(1.0, 0.5)).match(grey, box, grey, window)
    assert two.response.shape == one.response.shape and two.origin == one.origin and two.stride == 1.0
    assert two.box == pytest.approx(box, abs=0.5)
    assert two.score == pytest.approx(float(two.response.max()))


def test_scales_are_checked_and_counted_in_flops():
    net = trained_net()
    with pytest.raises(ValueError, match="scales"):
        DescriptorMatcher(net, scales=(0.5, 1.0))
    one, two = DescriptorMatcher(net).flops_per_query("visible"), DescriptorMatcher(net, scales=(1.0, 0.5)).flops_per_query("visible")
    assert 1.2 * one < two < 1.35 * one  # the half-scale pass costs about a quarter


def test_eval_match_model_scales_option(tmp_path, capsys):
    from models.descriptor.checkpoint import save_descriptor

    root = _write_pairs(tmp_path / "rs")
    weights = save_descriptor(trained_net(), tmp_path / "d")
    queries = tmp_path / "q.csv"
    assert main.main(["eval-match", "--pairs", str(root), "--make-queries", "--out", str(queries), "--n-per-pair", "2"]) == 0
    out = tmp_path / "p.csv"
    base = ["eval-match", "--pairs", str(root), "--queries", str(queries), "--out", str(out), "--method", "model",
            "--weights", str(weights), "--no-progress"]
    import json

    assert main.main(base + ["--report", str(tmp_path / "r.json")]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["model_scales"] == [1.0]
    assert main.main(base + ["--model-scales", "1,0.5", "--report", str(tmp_path / "r2.json")]) == 0
    report = json.loads((tmp_path / "r2.json").read_text())
    assert report["model_scales"] == [1.0, 0.5] and report["rows"][0]["flops"] > 0
    capsys.readouterr()
    assert main.main(base + ["--model-scales", "1,x"]) == 2
    assert "--model-scales" in capsys.readouterr().err
