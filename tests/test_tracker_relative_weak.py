"""``relative_weak``: a sudden fall of confidence against the latest tracking frames makes a frame weak."""
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


def _occluded(n=40, hidden=range(14, 22)):
    """The moving-target scene with the target painted over by the background while ``hidden``."""
    frames, gt = moving_target_scene(n=n)
    clean, _ = moving_target_scene(n=n, box=(0, 0, 1, 1))  # the same background, no target
    out = []
    for f, c in zip(frames, clean):
        if f.index in hidden:
            f = FramePair(f.index, c.visible, c.infrared, f.t_visible, f.t_infrared)
        out.append(f)
    return out, gt


def _run(cfg, frames, gt):
    tracker = Tracker(NccBackend(), cfg)
    tracker.init(frames[0], gt[0], "visible")
    return tracker, [tracker.update(f) for f in frames[1:]]


def test_threshold_follows_the_median_of_recent_tracking_frames():
    frames, gt = moving_target_scene(n=10)
    tracker, results = _run(TrackerConfig(relative_weak=0.6), frames, gt)
    assert all(r.state == "tracking" for r in results)
    recent = list(tracker.state.recent)
    assert recent == pytest.approx([r.confidence for r in results][-len(recent):])
    assert tracker._weak_threshold() == pytest.approx(max(0.25, 0.6 * float(np.median(recent))))


def test_off_at_zero_and_before_five_tracking_frames():
    frames, gt = moving_target_scene(n=4)
    tracker, _ = _run(TrackerConfig(relative_weak=0.9), frames, gt)
    assert len(tracker.state.recent) == 3 and tracker._weak_threshold() == 0.25
    tracker, _ = _run(TrackerConfig(relative_weak=0.0), *moving_target_scene(n=10))
    assert tracker._weak_threshold() == TrackerConfig().lost_threshold


def test_an_occlusion_is_weak_then_lost_and_the_target_is_redetected():
    frames, gt = _occluded()
    # The test matcher scores the bare background at about 0.6 against 0.95-0.98 on the target.
    _, results = _run(TrackerConfig(relative_weak=0.7), frames, gt)
    states = [r.state for r in results]
    hidden = states[13:21]  # results[i] is frame i + 1
    assert "weak" in hidden and "lost" in hidden, states
    after = results[-8:]
    assert all(r.state == "tracking" for r in after), states
    assert iou(np.array([r.box for r in after]), gt[-8:]).min() > 0.5


def test_weak_frames_do_not_lower_the_reference():
    frames, gt = _occluded()
    tracker = Tracker(NccBackend(), TrackerConfig(relative_weak=0.7))
    tracker.init(frames[0], gt[0], "visible")
    for f in frames[1:14]:
        tracker.update(f)
    before = list(tracker.state.recent)
    for f in frames[14:17]:
        assert tracker.update(f).state != "tracking"
    assert list(tracker.state.recent) == before


def test_relative_weak_is_validated():
    with pytest.raises(ConfigError, match="relative_weak"):
        TrackerConfig(relative_weak=1.5)


def test_relative_window_is_the_length_of_the_median():
    frames, gt = moving_target_scene(n=10)
    tracker, results = _run(TrackerConfig(relative_weak=0.6, relative_window=4), frames, gt)
    assert list(tracker.state.recent) == pytest.approx([r.confidence for r in results][-4:])
    short, _ = _run(TrackerConfig(relative_weak=0.9, relative_window=3), *moving_target_scene(n=4))
    assert short._weak_threshold() > 0.25  # active once the (shorter) window is full
    with pytest.raises(ConfigError, match="relative_window"):
        TrackerConfig(relative_window=0)


def test_relative_reacquire_waits_for_the_target_itself():
    frames, gt = _occluded(n=44, hidden=range(12, 26))
    hidden = range(12, 26)
    runs = {}
    for k in (0.0, 0.8):
        _, results = _run(TrackerConfig(relative_reacquire=k, reacquire_relax=0), frames, gt)
        runs[k] = results
    # The test matcher scores the bare background near 0.6, above reacquire_threshold (0.45) ...
    assert any(r.state == "redetected" and r.index in hidden for r in runs[0.0])
    # ... but well below 0.8 times the 0.95-0.98 the target scored.
    states = {r.index: r.state for r in runs[0.8]}
    assert not any(states[i] == "redetected" for i in hidden), states
    back = [r for r in runs[0.8] if r.index >= 30]
    assert all(r.state == "tracking" for r in back)
    assert iou(np.array([r.box for r in back]), gt[30:]).min() > 0.5
    with pytest.raises(ConfigError, match="relative_reacquire"):
        TrackerConfig(relative_reacquire=2.0)


def test_reacquire_relax_lowers_the_relative_bar_over_the_lost_frames():
    frames, gt = moving_target_scene(n=10)
    tracker, _ = _run(TrackerConfig(relative_reacquire=0.8, reacquire_relax=20, reacquire_near=0), frames, gt)
    median = float(np.median(tracker.state.recent))
    assert 0.8 * median > 0.45  # the relative bar is the one that counts here
    bars = []
    for lost in (0, 5, 10, 20, 40):
        tracker.state.frames_lost = lost
        bars.append(tracker._reacquire_threshold())
    assert bars[0] == pytest.approx(0.8 * median)
    assert bars[1] == pytest.approx(max(0.45, 0.8 * median * 0.75))
    assert bars == sorted(bars, reverse=True)
    assert bars[3] == bars[4] == pytest.approx(0.45)  # down to reacquire_threshold, never below
    never, _ = _run(TrackerConfig(relative_reacquire=0.8, reacquire_relax=0), frames, gt)
    never.state.frames_lost = 1000
    assert never._reacquire_threshold() == pytest.approx(0.8 * float(np.median(never.state.recent)))
    with pytest.raises(ConfigError, match="reacquire_relax"):
        TrackerConfig(reacquire_relax=-1)
    for bad in (True, 2.5):
        with pytest.raises(ConfigError, match="reacquire_relax"):
            TrackerConfig(reacquire_relax=bad)


def test_reacquire_relax_takes_a_lower_match_once_the_target_has_been_gone_for_long():
    hidden = range(12, 30)
    frames, gt = _occluded(n=40, hidden=hidden)
    # The test matcher scores the bare background near 0.6: refused at first (0.8 x the target's 0.95-0.98),
    # taken once the bar has fallen far enough.
    strict = {r.index: r.state for r in _run(TrackerConfig(relative_reacquire=0.8, reacquire_relax=0), frames, gt)[1]}
    relaxed = {r.index: r.state
               for r in _run(TrackerConfig(relative_reacquire=0.8, reacquire_relax=6, reacquire_near=0), frames, gt)[1]}
    assert not any(strict[i] == "redetected" for i in hidden)
    first = min(i for i in hidden if relaxed[i] == "redetected")
    lost_at = min(i for i in hidden if relaxed[i] == "lost")
    assert first > lost_at + 1  # not at once: the bar needs a few lost frames to come down


def test_reacquire_near_relaxes_the_bar_only_close_to_the_prediction():
    frames, gt = moving_target_scene(n=10)
    tracker, _ = _run(TrackerConfig(relative_reacquire=0.8, reacquire_relax=10, reacquire_near=1.5), frames, gt)
    st = tracker.state
    full = 0.8 * float(np.median(st.recent))
    side = float(np.sqrt(np.prod(st.size)))
    st.frames_lost = 10
    assert tracker._reacquire_threshold(st.center + [1.4 * side, 0.0]) == pytest.approx(0.45)
    assert tracker._reacquire_threshold(st.center + [1.2 * side, 1.2 * side]) == pytest.approx(full)  # 1.7 sides
    assert tracker._reacquire_threshold() == pytest.approx(0.45)  # no position given: relaxed
    with pytest.raises(ConfigError, match="reacquire_near"):
        TrackerConfig(reacquire_near=-0.5)
    with pytest.raises(ConfigError, match="reacquire_near"):
        TrackerConfig(reacquire_near=float("nan"))
