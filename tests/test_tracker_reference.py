"""``reference_weak``: a heterologous template is judged against what it scored on the init frame."""
import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


def _same_polarity(n=30):
    """The moving-target scene with an IR image of the same polarity, so the test matcher can match across
    the modalities (the scene's own IR is inverted); a slow target, as the weak matcher's score falls fast off
    the peak."""
    frames, gt = moving_target_scene(n=n, velocity=(1.0, 0.5))
    out = [FramePair(f.index, f.visible, cv2.cvtColor(f.visible, cv2.COLOR_RGB2GRAY), f.t_visible, f.t_infrared)
           for f in frames]
    return out, gt


def _weak_matcher():
    return NccBackend(gain=3.0, bias=-4.5)  # the target scores about 0.17, under lost_threshold (0.25)


# the silhouette cue (tracker/silhouette.py) would lift the weak matcher's score; these tests are about that score
NO_CUE = {"heterologous_silhouette": 0.0}


def test_only_heterologous_templates_are_measured():
    frames, gt = _same_polarity(n=2)
    for mode in ("visible", "infrared", "fused"):
        tracker = Tracker(NccBackend(), TrackerConfig(mode=mode))
        tracker.init(frames[0], gt[0], "visible")
        assert tracker.state.reference is None, mode
    cross = Tracker(NccBackend(), TrackerConfig(mode="cross"))
    cross.init(frames[0], gt[0], "visible")
    assert 0.9 < cross.state.reference <= 1.0  # the test matcher finds the target on the init frame
    fused = Tracker(NccBackend(), TrackerConfig(mode="fused"))  # no usable IR at init: the visible template
    blank = FramePair(0, frames[0].visible, np.zeros_like(frames[0].infrared), 0.0, 0.0)  # serves both
    fused.init(blank, gt[0], "visible")
    assert fused.state.templates["infrared"][1] == "visible"
    assert fused.state.reference is None  # its search image was unusable, so nothing was measured


def test_a_weak_heterologous_match_keeps_tracking():
    frames, gt = _same_polarity()
    runs = {}
    for reference_weak in (0.5, 0.0):
        tracker = Tracker(_weak_matcher(), TrackerConfig(mode="cross", reference_weak=reference_weak, **NO_CUE))
        tracker.init(frames[0], gt[0], "visible")
        assert tracker.state.reference < TrackerConfig().lost_threshold
        runs[reference_weak] = [tracker.update(f) for f in frames[1:]]
    on = runs[0.5]
    assert all(r.state == "tracking" for r in on), [r.state for r in on]
    assert iou(np.array([r.box for r in on]), gt[1:]).min() > 0.7
    assert "lost" in [r.state for r in runs[0.0]]  # the absolute threshold alone calls it lost


def test_the_threshold_is_the_lower_of_the_two():
    frames, gt = _same_polarity(n=2)
    tracker = Tracker(_weak_matcher(), TrackerConfig(mode="cross", reference_weak=0.5, relative_weak=0.0, **NO_CUE))
    tracker.init(frames[0], gt[0], "visible")
    assert tracker._weak_threshold() == pytest.approx(0.5 * tracker.state.reference)
    strong = Tracker(NccBackend(), TrackerConfig(mode="cross", reference_weak=0.5, relative_weak=0.0))
    strong.init(frames[0], gt[0], "visible")
    assert strong._weak_threshold() == TrackerConfig().lost_threshold  # half of ~0.98 is above 0.25


def test_reference_weak_is_validated():
    with pytest.raises(ConfigError, match="reference_weak"):
        TrackerConfig(reference_weak=-0.1)


def test_heterologous_frames_take_their_own_window():
    frames, gt = _same_polarity(n=4)
    seen = {}
    for mode in ("cross", "fused", "visible"):
        tracker = Tracker(NccBackend(), TrackerConfig(mode=mode))
        tracker.init(frames[0], gt[0], "visible")
        original = tracker._locate
        flags = []
        tracker._locate = lambda fused, lost, heterologous=False: flags.append(heterologous) or original(
            fused, lost, heterologous)
        for f in frames[1:]:
            tracker.update(f)
        seen[mode] = set(flags)
    assert seen == {"cross": {True}, "fused": {False}, "visible": {False}}
    # the influence itself: a map peaked off-centre, and a full window (1.0) brings the peak to the centre
    tracker = Tracker(NccBackend(), TrackerConfig(mode="cross", heterologous_window=1.0, window_influence=0.0))
    tracker.init(frames[0], gt[0], "visible")
    off_centre = np.zeros((1, 17, 17), np.float32)
    off_centre[0, 2, 3] = 1.0
    _, _, (row, col) = tracker._locate(off_centre, lost=False, heterologous=True)
    up = off_centre.shape[1] * tracker.config.response_up
    assert abs(row - up / 2) < 2 and abs(col - up / 2) < 2
    _, _, (row, col) = tracker._locate(off_centre, lost=False, heterologous=False)
    assert row < up / 4 and col < up / 4
    with pytest.raises(ConfigError, match="heterologous_window"):
        TrackerConfig(heterologous_window=1.2)
