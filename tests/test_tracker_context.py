"""TrackerConfig.heterologous_context / heterologous_blend: heterologous templates with a band of their surroundings."""
import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from streams.frames import FramePair
from tests.tracker_doubles import moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


class _Encodes(CfogBackend):
    def __init__(self):
        super().__init__()
        self.targets = []

    def encode(self, crop, modality, target=None, weights=None):
        self.targets.append((modality, target))
        return super().encode(crop, modality, target, weights)


def _init(cfg, frames, gt):
    backend = _Encodes()
    tracker = Tracker(backend, cfg)
    tracker.init(frames[0], gt[0], "visible")
    return tracker, backend


def test_cross_mode_searches_with_the_grown_template():
    frames, gt = moving_target_scene(n=12)
    plain, b0 = _init(TrackerConfig(mode="cross", auto_align=False, heterologous_context=0.0), frames, gt)
    grown, b1 = _init(TrackerConfig(mode="cross", auto_align=False, heterologous_context=0.5, heterologous_blend=1.0),
                      frames, gt)
    (m0, t0), (m1, t1) = b0.targets[0], b1.targets[-1]
    assert m0 == m1 == "visible"
    pad = 0.5 * (t0[0] + t0[1]) / 2
    assert t1 == pytest.approx((t0[0] + 2 * pad, t0[1] + 2 * pad))
    h0 = plain.state.templates["infrared"][0].dense.features.shape[1:]
    h1 = grown.state.templates["infrared"][0].dense.features.shape[1:]
    assert h1[0] > h0[0] and h1[1] > h0[1]


def _panning(n=12, step=(3.0, 1.0)):
    """The first frame of the moving-target scene, translated a little more each frame (a camera pan: the
    target keeps its surroundings)."""
    frames, gt = moving_target_scene(n=1)
    f0, box = frames[0], gt[0]
    out, boxes = [], []
    for i in range(n):
        dx, dy = step[0] * i, step[1] * i
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        vis = cv2.warpAffine(f0.visible, m, f0.visible.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
        ir = cv2.warpAffine(f0.infrared, m, f0.infrared.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
        out.append(FramePair(i, vis, ir, i / 30, i / 30))
        boxes.append((box[0] + dx, box[1] + dy, box[2], box[3]))
    return out, np.array(boxes)


@pytest.mark.parametrize("context,blend", [(0.0, 1.0), (1.0, 1.0), (1.0, 0.3)])
def test_cross_mode_follows_a_pan_with_or_without_the_band(context, blend):
    frames, gt = _panning()
    cfg = TrackerConfig(mode="cross", auto_align=False, heterologous_context=context, heterologous_blend=blend)
    tracker, _ = _init(cfg, frames, gt)
    results = [tracker.update(f) for f in frames[1:]]
    err = np.hypot(*(np.array([r.box[:2] for r in results]) - gt[1:, :2]).T)
    # The heavy heterologous window (0.85) lags a 3.2 px/frame pan by up to 4 px for the first frames, until
    # the velocity prior has learnt the pan; after that the box is on the target.
    assert err.max() < 5
    assert err[len(err) // 2:].mean() < 3


def test_fused_mode_with_both_images_keeps_its_own_templates():
    frames, gt = moving_target_scene(n=3)
    tracker, backend = _init(TrackerConfig(mode="fused", heterologous_context=1.0), frames, gt)
    for m in ("visible", "infrared"):
        template, source = tracker.state.templates[m]
        assert source == m
    assert tracker.state.banded == {}  # nothing heterologous, so nothing blended: fused tracking is unchanged
    # neither homologous template is the banded one
    sizes = {m: tracker.state.templates[m][0].dense.features.shape for m in ("visible", "infrared")}
    assert sizes["visible"] == sizes["infrared"]


def test_a_negative_context_is_refused():
    with pytest.raises(ConfigError, match="heterologous_context"):
        TrackerConfig(heterologous_context=-0.5)


class _Matches(CfogBackend):
    def __init__(self):
        super().__init__()
        self.templates = []

    def match(self, template, crops, modality, want=(), factors=None):
        self.templates.append(template.dense.features.shape)
        return super().match(template, crops, modality, want, factors)


def test_a_blend_searches_both_templates_and_mixes_their_logits():
    frames, gt = _panning(n=4)
    backend = _Matches()
    cfg = TrackerConfig(mode="cross", auto_align=False, heterologous_context=1.0, heterologous_blend=0.5)
    tracker = Tracker(backend, cfg)
    tracker.init(frames[0], gt[0], "visible")
    plain = tracker.state.templates["infrared"][0]
    twin = tracker.state.banded["infrared"]
    assert twin.dense.features.shape[1] > plain.dense.features.shape[1]
    backend.templates.clear()
    r = tracker.update(frames[1])
    assert {plain.dense.features.shape, twin.dense.features.shape} <= set(backend.templates)
    # the map is the mix of the two maps on the frame's crops
    crops = tracker._search_crops(frames[1].infrared, "infrared", tuple(gt[0][:2] + gt[0][2:] / 2), [100.0])
    a, b = CfogBackend().match(plain, crops, "infrared"), CfogBackend().match(twin, crops, "infrared")
    mixed = tracker._blend(tracker.state, "infrared", crops, a)
    np.testing.assert_allclose(mixed.score, 0.5 * a.score + 0.5 * b.score, rtol=1e-5, atol=1e-5)
    assert r.state in ("tracking", "weak")


def test_blend_one_is_the_banded_template_alone_and_bad_blends_are_refused():
    frames, gt = _panning(n=2)
    cfg = TrackerConfig(mode="cross", auto_align=False, heterologous_context=1.0, heterologous_blend=1.0)
    tracker, _ = _init(cfg, frames, gt)
    assert tracker.state.banded == {}
    with pytest.raises(ConfigError, match="heterologous_blend"):
        TrackerConfig(heterologous_blend=1.5)
