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
