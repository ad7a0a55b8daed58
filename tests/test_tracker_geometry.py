"""SiamFC geometry of the loop: crop/back-projection round trip, damped scale update, loss and re-detection."""
import numpy as np
import pytest

from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


@pytest.mark.parametrize("shift", [(0, 0), (9, -5), (-14, 11), (21, 3)])
def test_peak_back_projects_to_the_true_displacement(shift):
    """One update on a frame where the target moved by ``shift`` recovers it to within 3 px."""
    frames, gt = moving_target_scene(n=2, velocity=shift)
    tracker = Tracker(NccBackend(), TrackerConfig(mode="visible", window_influence=0.0, scales=1))
    tracker.init(frames[0], gt[0])
    res = tracker.update(frames[1])
    centre = res.box[:2] + res.box[2:] / 2
    np.testing.assert_allclose(centre, gt[1][:2] + gt[1][2:] / 2, atol=3.0)  # grid step is 5 px here


def test_damped_scale_update():
    frames, gt = moving_target_scene(n=1)
    cfg = TrackerConfig(mode="visible", box_refine=False)
    tracker = Tracker(NccBackend(), cfg)
    tracker.init(frames[0], gt[0])
    before = tracker.state.size.copy()
    state = tracker._advance(confidence=0.9, predicted=tracker.state.center.copy(), disp=np.zeros(2), factor=cfg.scale_step, head_size=None)
    assert state == "tracking"
    expected = before * ((1 - cfg.scale_lr) + cfg.scale_lr * cfg.scale_step)
    np.testing.assert_allclose(tracker.state.size, expected)


def test_scale_pyramid_factors():
    assert TrackerConfig().scale_factors == pytest.approx((1 / 1.0375, 1.0, 1.0375))


def test_lost_then_redetected_after_disappearance():
    """The target vanishes for a while and comes back far away: lost, then re-detected by the full-frame scan."""
    frames, gt = moving_target_scene(n=40, velocity=(0.0, 0.0), size=(320, 240), box=(40, 40, 40, 40))
    background = frames[0].visible.copy()
    background[40:80, 40:80] = background[100:140, 140:180]  # paint the target out
    far = (220, 150)
    rng = np.random.default_rng(1)
    seq = [frames[0]]
    for i in range(1, 40):
        noise = rng.integers(-3, 4, background.shape)
        vis = np.clip(background.astype(int) + noise, 0, 255).astype(np.uint8)
        if i >= 25:  # back, far from where it was lost
            vis[far[1]:far[1] + 40, far[0]:far[0] + 40] = frames[0].visible[40:80, 40:80]
        seq.append(FramePair(i, vis, 255 - vis[..., 0]))
    # A sharper logit map than the default double, so background texture reads as low confidence.
    tracker = Tracker(NccBackend(gain=16.0, bias=-11.0), TrackerConfig(mode="visible"))
    tracker.init(seq[0], gt[0])
    states = [tracker.update(f).state for f in seq[1:]]
    assert "lost" in states[:24]
    assert "redetected" in states[24:]
    final = tracker.state.box
    assert iou(final, (far[0], far[1], 40, 40))[0] > 0.5


def test_fitted_scale_factor_is_the_parabolas_vertex():
    # heterologous_scale_fit: three scales' scores at the chosen cell, a parabola through them in log scale
    tracker = Tracker(NccBackend(), TrackerConfig(mode="cross"))
    step = TrackerConfig().scale_step

    def maps(values):
        return np.stack([np.full((5, 5), v, np.float32) for v in values])

    # symmetric about the middle scale: no change; a vertex half a step up
    assert tracker._fitted_factor(maps([0.5, 0.8, 0.5]), 2.0, 2.0, 9.0) == pytest.approx(1.0)
    a, b = 0.4, 0.1  # v(x) = 0.8 - a (x - b)^2 at x = -1, 0, 1
    vals = [0.8 - a * (x - b) ** 2 for x in (-1, 0, 1)]
    assert tracker._fitted_factor(maps(vals), 1.5, 2.5, 9.0) == pytest.approx(step ** b, rel=1e-5)
    # the vertex beyond the pyramid is clipped to its end; scores that are not concave keep the fallback
    assert tracker._fitted_factor(maps([0.1, 0.5, 0.8]), 2.0, 2.0, 9.0) == pytest.approx(step)
    assert tracker._fitted_factor(maps([0.6, 0.5, 0.6]), 2.0, 2.0, 9.0) == 9.0
    # the scores are read at the chosen cell, between grid points bilinearly
    m = maps([0.5, 0.8, 0.5])
    m[2, 3, 3] = 0.9  # only the largest scale is high at one cell
    assert tracker._fitted_factor(m, 3.0, 3.0, 9.0) > 1.0
    assert tracker._fitted_factor(m, 1.0, 1.0, 9.0) == pytest.approx(1.0)


def test_only_heterologous_frames_fit_the_scale(monkeypatch):
    frames, gt = moving_target_scene(n=2)
    called = []
    monkeypatch.setattr(Tracker, "_fitted_factor", lambda self, *a: called.append(1) or 1.0)
    for mode, fit, expected in (("fused", True, 0), ("cross", False, 0), ("cross", True, 1)):
        called.clear()
        tracker = Tracker(NccBackend(), TrackerConfig(mode=mode, heterologous_scale_fit=fit))
        tracker.init(frames[0], gt[0], "visible")
        tracker.update(frames[1])
        assert len(called) == expected, (mode, fit)
