"""The lost scan's extra scales: a target that changed size while hidden is re-detected at its new size."""
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


def _grows_while_hidden(n=36, hidden=range(10, 18), grow=1.25):
    """The moving-target scene; the target is hidden during ``hidden`` and comes back ``grow`` times larger
    (the same texture: the scene draws its pattern from the same seed at any size), centred where it would
    have been."""
    small, gt_small = moving_target_scene(n=n)
    side = int(round(40 * grow))
    big, gt_big = moving_target_scene(n=n, box=(80 - side // 2, 100 - side // 2, side, side))
    clean, _ = moving_target_scene(n=n, box=(0, 0, 1, 1))
    frames, gt = [], []
    for i in range(n):
        if i in hidden:
            f = clean[i]
        elif i < hidden.start:
            f, g = small[i], gt_small[i]
        else:
            f, g = big[i], gt_big[i]
        frames.append(FramePair(i, f.visible, f.infrared, f.t_visible, f.t_infrared))
        gt.append(g if i not in hidden else np.full(4, np.nan))
    return frames, np.array(gt)


def _track(cfg, frames, gt):
    tracker = Tracker(NccBackend(), cfg)  # (the double scores bare background near 0.6: reacquire above it)
    tracker.init(frames[0], gt[0], "visible")
    return tracker, [tracker.update(f) for f in frames[1:]]


def test_a_grown_target_is_redetected_at_its_new_size():
    frames, gt = _grows_while_hidden()
    cfg = TrackerConfig(mode="visible", scan_scales=(0.8, 1.25), reacquire_threshold=0.75)
    tracker, results = _track(cfg, frames, gt)
    states = [r.state for r in results]
    assert "lost" in states and "redetected" in states, states
    back = states.index("redetected")
    assert results[back].index >= 18  # not before the target is back
    # sized by the scale it was found at
    assert results[back].box[2] == pytest.approx(results[back - 1].box[2] * 1.25, rel=0.01)
    tail = results[-6:]
    assert iou(np.array([r.box for r in tail]), gt[-6:]).min() > 0.7


def test_without_them_the_size_stays_what_it_was():
    frames, gt = _grows_while_hidden()
    _, results = _track(TrackerConfig(mode="visible", scan_scales=(), reacquire_threshold=0.75), frames, gt)
    states = [r.state for r in results]
    back = states.index("redetected")
    assert results[back].box[2] == results[back - 1].box[2]


def test_extra_scales_add_two_crops_to_a_lost_frame():
    frames, gt = _grows_while_hidden()
    counts = {}
    for scales in ((), (0.8, 1.25)):
        backend = NccBackend()
        sizes, original = [], backend.match
        backend.match = lambda template, crops, modality, want=(), **k: sizes.append(len(crops)) or original(
            template, crops, modality, want)
        tracker = Tracker(backend, TrackerConfig(mode="visible", scan_tiles=3, scan_scales=scales))
        tracker.init(frames[0], gt[0], "visible")
        for f in frames[1:]:
            sizes.clear()
            was_lost = tracker.state.lost  # (the frame that declares it lost is a tracking frame)
            tracker.update(f)
            if was_lost:
                counts.setdefault(scales, []).append(sizes[0])
    plain, scaled = counts[()], counts[(0.8, 1.25)]
    assert max(plain) <= 3 and max(scaled) <= 5  # the budget, plus the nearest tile at two more sizes
    assert scaled[0] == plain[0] + 2


def test_scan_scales_are_validated():
    with pytest.raises(ConfigError, match="scan_scales"):
        TrackerConfig(scan_scales=(0.1,))
