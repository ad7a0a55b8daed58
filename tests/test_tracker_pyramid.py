"""One CFOG descriptor for the whole scale pyramid (tracker/pyramid.py, CfogBackend.share_pyramid)."""
import numpy as np

from core.geometry import crop_resize
from tests.test_descriptor import shapes_scene
from tracker.classic_backend import CfogBackend
from tracker.pyramid import pyramid_from_reference


def test_shared_pyramid_gives_cfogs_per_crop_peaks():
    grey = shapes_scene(300, 300, seed=8, n_shapes=60)
    factors = (1 / 1.0375, 1.0, 1.0375)
    crops = np.stack([crop_resize(grey, (150.0, 150.0), 200 * f, 255) for f in factors])
    shared, exact = CfogBackend(share_pyramid=True), CfogBackend()  # CFOG shares only when asked
    template = shared.encode(crop_resize(grey, (150.0, 150.0), 100, 127), "infrared", target=(50.0, 50.0))
    works = [shared._shrink(c) for c in crops]
    feats = pyramid_from_reference(shared.matcher.features, works, factors)
    assert np.array_equal(feats[1], shared.matcher.features(works[1]))  # the reference crop is exact
    a = exact.match(template, crops, "infrared", factors=factors)  # share_pyramid=False ignores the factors
    b = shared.match(template, crops, "infrared", factors=factors)
    c = exact.match(template, crops, "infrared")
    assert np.array_equal(a.score, c.score)
    for s in range(3):
        assert np.unravel_index(a.score[s].argmax(), a.score[s].shape) == np.unravel_index(b.score[s].argmax(),
                                                                                          b.score[s].shape)
        assert abs(a.score[s].max() - b.score[s].max()) < 0.75  # resampling blurs the off-middle crops a little
    assert np.array_equal(a.score[1], b.score[1])


def test_heterologous_searches_describe_every_scale_unless_asked_to_share():
    # heterologous_share_pyramid: the shared pyramid biased cross-modal scale towards the smaller box
    from tests.tracker_doubles import moving_target_scene
    from tracker.classic_backend import CfogBackend
    from tracker.config import TrackerConfig
    from tracker.tracker import Tracker

    class Spy(CfogBackend):
        def __init__(self):
            super().__init__(share_pyramid=True)
            self.calls = []

        def match(self, template, crops, modality, want=(), factors=None):
            self.calls.append((template.modality, modality, factors))
            return super().match(template, crops, modality, want, factors=factors)

    frames, gt = moving_target_scene(n=3)
    for mode, share, expect_shared in (("cross", False, False), ("cross", True, True), ("fused", False, True)):
        spy = Spy()
        tracker = Tracker(spy, TrackerConfig(mode=mode, heterologous_share_pyramid=share))
        tracker.init(frames[0], gt[0], "visible")
        spy.calls.clear()
        tracker.update(frames[1])
        assert spy.calls, mode  # the box template's match (and, in cross mode, its banded twin's)
        shared = [f is not None for _, _, f in spy.calls]
        assert all(shared) if expect_shared else not any(shared), (mode, share, spy.calls)
        if mode == "cross":
            assert {(src, m) for src, m, _ in spy.calls} == {("visible", "infrared")}
