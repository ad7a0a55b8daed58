"""Confidence calibration: the logistic fit, eval-match --fit-confidence, and the CFOG backend's maps."""
import json

import numpy as np
import pytest

import main
from evaluation.confidence import confidence_fit, fit_logistic, logit
from evaluation.queries import PairStore, make_queries, write_queries
from tests.test_eval_match import pairs  # noqa: F401  (fixture)


def test_fit_logistic_recovers_known_parameters():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, 20000)
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-(1.7 * x - 0.8)))).astype(float)
    a, b = fit_logistic(x, y)
    assert a == pytest.approx(1.7, abs=0.08) and b == pytest.approx(-0.8, abs=0.08)


def test_confidence_fit_of_a_calibrated_score_is_the_identity():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.02, 0.98, 20000)
    correct = rng.random(len(p)) < p
    fit = confidence_fit(p, np.where(correct, 0.9, 0.1))
    assert fit.a == pytest.approx(1.0, abs=0.08) and fit.b == pytest.approx(0.0, abs=0.08)
    assert fit.positives == int(correct.sum()) and fit.log_loss_after <= fit.log_loss_before + 1e-9
    assert logit(np.array([0.5]))[0] == pytest.approx(0.0)


def test_confidence_fit_needs_both_outcomes():
    assert confidence_fit(np.array([0.2, 0.7]), np.array([0.9, 0.8])) is None
    assert confidence_fit(np.array([np.nan, 0.7]), np.array([0.9, 0.1])) is None


def test_cfog_backend_uses_the_cross_modal_map_only_across_modalities():
    from tests.test_classic import shapes_scene
    from tracker.classic_backend import CfogBackend

    scene = shapes_scene(255, 255, seed=2, n_shapes=40)
    backend = CfogBackend(same=(8.0, -3.0), cross=(16.0, -2.0))
    template = backend.encode(scene[64:191, 64:191], "visible", target=(60.0, 60.0))
    same = backend.match(template, scene[None], "visible").score
    cross = backend.match(template, scene[None], "infrared").score
    # The same NCC map behind both: logit_cross = 16 (logit_same + 3) / 8 - 2.
    np.testing.assert_allclose(cross, 2.0 * (same + 3.0) - 2.0, rtol=1e-5, atol=1e-4)


def test_eval_match_cfog_tracker_with_confidence_fit(pairs, tmp_path, capsys):  # noqa: F811
    queries = tmp_path / "q.csv"
    write_queries(queries, make_queries(PairStore(pairs), ["a", "b"], 3, seed=0))
    report = tmp_path / "r.json"
    assert main.main(["eval-match", "--pairs", str(pairs), "--queries", str(queries), "--out", str(tmp_path / "p.csv"),
                      "--method", "cfog-tracker", "--fit-confidence", "--report", str(report), "--no-progress"]) == 0
    data = json.loads(report.read_text())
    assert data["methods"] == ["cfog-tracker"]
    rows = {r["direction"]: r for r in data["rows"]}
    assert set(rows) == {"vis→IR", "IR→vis", "all"} and rows["all"]["miou"] > 0.5
    assert isinstance(data["confidence"], list)  # empty when every query is right (easy generated pairs)
    for fit in data["confidence"]:
        assert {"a", "b", "n", "positives"} <= set(fit)
