"""TrackerConfig.heterologous_context: heterologous templates are cut with a band of their surroundings."""
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

    def encode(self, crop, modality, target=None):
        self.targets.append((modality, target))
        return super().encode(crop, modality, target)


def _init(cfg, frames, gt):
    backend = _Encodes()
    tracker = Tracker(backend, cfg)
    tracker.init(frames[0], gt[0], "visible")
    return tracker, backend


def test_cross_mode_searches_with_the_grown_template():
    frames, gt = moving_target_scene(n=12)
    plain, b0 = _init(TrackerConfig(mode="cross", auto_align=False), frames, gt)
    grown, b1 = _init(TrackerConfig(mode="cross", auto_align=False, heterologous_context=0.5), frames, gt)
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


@pytest.mark.parametrize("context", [0.0, 1.0])
def test_cross_mode_follows_a_pan_with_or_without_the_band(context):
    frames, gt = _panning()
    tracker, _ = _init(TrackerConfig(mode="cross", auto_align=False, heterologous_context=context), frames, gt)
    results = [tracker.update(f) for f in frames[1:]]
    err = np.hypot(*(np.array([r.box[:2] for r in results]) - gt[1:, :2]).T)
    assert err.max() < 4


def test_fused_mode_with_both_images_keeps_its_own_templates():
    frames, gt = moving_target_scene(n=3)
    tracker, backend = _init(TrackerConfig(mode="fused", heterologous_context=1.0), frames, gt)
    for m in ("visible", "infrared"):
        template, source = tracker.state.templates[m]
        assert source == m
    # the grown template was cut (fused mode may need it), but neither homologous template is it
    sizes = {m: tracker.state.templates[m][0].dense.features.shape for m in ("visible", "infrared")}
    assert sizes["visible"] == sizes["infrared"]


def test_a_negative_context_is_refused():
    with pytest.raises(ConfigError, match="heterologous_context"):
        TrackerConfig(heterologous_context=-0.5)
