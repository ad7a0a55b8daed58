"""The tracker over a real (untrained) matcher loaded from a checkpoint: wiring, shapes, want=..."""
import numpy as np
import pytest

from core.errors import CheckpointError
from models.checkpoint import save_matcher
from models.config import MatcherConfig
from models.registry import build_matcher
from tests.tracker_doubles import moving_target_scene
from tracker.factory import build_backend
from tracker.tracker import Tracker


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    cfg = MatcherConfig()
    path = tmp_path_factory.mktemp("w") / "m"
    save_matcher(build_matcher(cfg), cfg, path)
    return path


def test_network_backend_drives_the_loop(checkpoint):
    backend = build_backend(checkpoint.with_suffix(".safetensors"))
    assert backend.has_box_head
    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(backend)
    tracker.init(frames[0], gt[0])
    res = tracker.update(frames[1], want=("attention", "features"))
    assert res.score_maps["fused"].shape[0] == 3
    assert np.all(np.isfinite(res.box)) and 0 <= res.confidence <= 1
    assert res.features and any(k.startswith("visible/") for k in res.features)
    assert res.attention and any(k.startswith("infrared/") for k in res.attention)
    plain = tracker.update(frames[2])
    assert plain.attention is None and plain.features is None


def test_bad_weights_name_the_file(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad"):
        build_backend(bad)
