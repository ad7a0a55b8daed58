"""The SiamFC loop on a NumPy test matcher: following, dropouts, configuration."""
import dataclasses

import cv2
import numpy as np
import pytest

from core.errors import ConfigError, InputError
from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker import response as R
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


def run(tracker, frames, gt, modality="visible"):
    tracker.init(frames[0], gt[0], modality)
    return [tracker.update(f) for f in frames[1:]]


@pytest.mark.parametrize("mode", ["visible", "infrared", "fused"])
def test_follows_moving_target(mode):
    frames, gt = moving_target_scene()
    results = run(Tracker(NccBackend(), TrackerConfig(mode=mode)), frames, gt)
    ious = iou(np.array([r.box for r in results]), gt[1:])
    assert ious.min() > 0.5, ious
    assert all(r.state == "tracking" for r in results)
    assert 0.0 <= min(r.confidence for r in results) and max(r.confidence for r in results) <= 1.0


def test_fused_result_carries_maps_weights_and_timings():
    frames, gt = moving_target_scene(n=4)
    tracker = Tracker(NccBackend())
    tracker.init(frames[0], gt[0], "visible")
    tracker.backend.calls = 0  # init also searched the other stream for an offset (auto_align)
    res = [tracker.update(f) for f in frames[1:]][-1]
    assert set(res.score_maps) == {"visible", "infrared", "fused"}
    assert res.score_maps["fused"].shape[0] == 3  # three scales searched as one batch
    assert sum(res.weights.values()) == pytest.approx(1.0)
    assert res.windowed.shape == (25 * 16, 25 * 16)
    assert {"crop_ms", "match_ms", "post_ms", "total_ms"} <= set(res.timings)
    assert tracker.backend.calls == 3 * 2  # one batched call per modality per frame


def test_keeps_tracking_on_ir_when_visible_goes_black():
    frames, gt = moving_target_scene(n=30)
    dropped = [FramePair(f.index, np.zeros_like(f.visible) if 8 <= f.index < 20 else f.visible, f.infrared)
               for f in frames]
    results = run(Tracker(NccBackend()), dropped, gt)
    during = [r for r in results if 8 <= r.index < 20]
    assert all(r.health["visible"] == "blank" and r.modalities == ("infrared",) for r in during)
    assert iou(np.array([r.box for r in results]), gt[1:]).min() > 0.5


def test_missing_and_frozen_frames_are_detected():
    frames, gt = moving_target_scene(n=12)
    mixed = []
    for f in frames:
        vis = None if f.index in (4, 5) else f.visible
        ir = frames[6].infrared if f.index in (7, 8) else f.infrared
        mixed.append(FramePair(f.index, vis, ir))
    results = {r.index: r for r in run(Tracker(NccBackend()), mixed, gt)}
    assert results[4].health["visible"] == "missing"
    assert results[7].health["infrared"] == "frozen" and results[8].health["infrared"] == "frozen"
    assert results[9].health["infrared"] == "ok"


def test_all_modalities_unusable_is_blind_then_lost():
    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(NccBackend(), TrackerConfig(lost_patience=2))
    tracker.init(frames[0], gt[0])
    blank = FramePair(1, None, None)
    states = [tracker.update(dataclasses.replace(blank, index=i)).state for i in range(1, 4)]
    assert states == ["blind"] * 3 and tracker.state.lost


def test_cross_mode_searches_only_the_other_modality():
    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(NccBackend(), TrackerConfig(mode="cross"))
    tracker.init(frames[0], gt[0], "visible")
    res = tracker.update(frames[1])
    assert res.modalities == ("infrared",)


def test_init_errors_name_the_problem():
    frames, gt = moving_target_scene(n=2)
    tracker = Tracker(NccBackend())
    with pytest.raises(InputError, match="zero or negative size"):
        tracker.init(frames[0], (10, 10, 0, 5))
    with pytest.raises(InputError, match="no infrared image"):
        tracker.init(FramePair(0, frames[0].visible, None), gt[0], "infrared")
    with pytest.raises(InputError, match="outside"):
        tracker.init(frames[0], (1000, 10, 5, 5))


def test_config_validation():
    with pytest.raises(ConfigError, match="mode"):
        TrackerConfig(mode="rgb")
    with pytest.raises(ConfigError, match="odd"):
        TrackerConfig(scales=2)
    assert TrackerConfig(scales=5).scale_factors[2] == 1.0


def test_response_helpers():
    r = np.zeros((17, 17), np.float32)
    r[3, 12] = 1.0
    assert R.peak(r) == (3, 12)
    assert R.apce(r) > R.apce(np.random.default_rng(0).random((17, 17)))
    up = R.upsample(r, 16)
    assert up.shape == (272, 272)
    row, col = R.peak(up)
    assert R.upsampled_to_cell(row, 16) == pytest.approx(3, abs=0.1)
    assert R.upsampled_to_cell(col, 16) == pytest.approx(12, abs=0.1)
    w = R.cosine_window((5, 5))
    assert w.sum() == pytest.approx(1.0) and R.peak(w) == (2, 2)


def test_cfog_fallback_tracks_across_polarity_inversion():
    """No weights: the hand-crafted CFOG backend follows the target in cross mode (visible template, IR search)."""
    from tracker.classic_backend import CfogBackend

    frames, gt = moving_target_scene(n=12)
    results = run(Tracker(CfogBackend(), TrackerConfig(mode="cross")), frames, gt)
    assert iou(np.array([r.box for r in results]), gt[1:]).min() > 0.5


@pytest.mark.parametrize("work_scale", [0.5, 1.0])
def test_cfog_backend_peak_lands_on_the_shifted_target_at_any_work_scale(work_scale):
    """The resampled score grid is in crop pixels whatever scale the descriptor ran at."""
    from tests.test_classic import cross_modal, shapes_scene
    from tracker.classic_backend import CfogBackend

    scene = shapes_scene(400, 400, seed=3, n_shapes=60)
    exemplar = cv2.resize(scene[136:263, 136:263], (127, 127))  # centred on (200, 200), 1 crop px per pixel
    ir = cross_modal(scene, seed=1)
    backend = CfogBackend(work_scale=work_scale)
    template = backend.encode(exemplar, "visible", target=(64.0, 64.0))
    dx, dy = 24, -16  # the target sits 24 px right and 16 px up of the search crop's centre: 3 and -2 cells
    search = ir[72 - dy: 327 - dy, 72 - dx: 327 - dx]
    response = backend.match(template, search[None], "infrared")
    i, j = np.unravel_index(int(np.argmax(response.score[0])), response.score[0].shape)
    centre = backend.cells // 2
    assert (j - centre, i - centre) == (dx // 8, dy // 8)
    assert response.origin + response.stride * centre == pytest.approx(127.5, abs=0.5)
