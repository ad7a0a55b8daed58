"""The descriptor matcher's speed paths (bucketed windows, the trimmed network) compute the same numbers."""
import numpy as np
import pytest
import torch

from models.classic.cfog import CfogMatcher
from models.classic.dense import _bucketed
from models.descriptor.matcher import DescriptorMatcher
from tests.test_descriptor import pair, trained_net

pytestmark = pytest.mark.usefixtures("one_thread")


def test_bucketed_ranges():
    assert _bucketed(10, 40, 16, 200) == (10, 42)          # 30 px -> 32, to the right
    assert _bucketed(170, 200, 16, 200) == (168, 200)      # no room on the right: to the left
    assert _bucketed(0, 64, 16, 200) == (0, 64)            # already a multiple
    assert _bucketed(0, 90, 16, 90) == (0, 90)             # the image itself is too small
    a, b = _bucketed(3, 50, 16, 60)
    assert (b - a) % 16 == 0 and 0 <= a <= 3 and b >= 50 and b <= 60


def test_bucketing_and_trimming_leave_the_boxes_unchanged():
    p = pair(7)
    net = trained_net()
    bucketed, plain = DescriptorMatcher(net), DescriptorMatcher(net, trim=False)
    plain.bucket = 1
    assert bucketed.bucket == 16
    _assert_same_matches(bucketed, plain, p.visible, p.infrared,
                         [((40, 30, 30, 26), (20, 10, 80, 70)), ((100, 60, 27, 33), (60, 30, 98, 89)),
                          ((3, 2, 25, 25), (0, 0, 60, 60))])


def _assert_same_matches(one, other, template_image, search_image, queries):
    for box, window in queries:
        a = one.match(template_image, box, search_image, window)
        b = other.match(template_image, box, search_image, window)
        np.testing.assert_allclose(a.box, b.box, atol=1e-4)
        np.testing.assert_allclose(a.response, b.response, atol=1e-5)


def test_classic_matchers_do_not_bucket():
    assert CfogMatcher().bucket == 1


@pytest.mark.parametrize("modality", ["visible", "infrared"])
@pytest.mark.parametrize("cfg", [{}, {"intensity": True}, {"strategy": "shared", "shared_dilation": 1},
                                 {"strategy": "independent"}, {"modality_layers": 2, "shared_layers": 0}])
def test_forward_window_equals_forward_on_the_region(cfg, modality):
    net = trained_net(3, **cfg)
    r = net.config.radius
    torch.manual_seed(0)
    cfog, grey = torch.rand(2, net.config.n_orientations, 40, 50), torch.rand(2, 1, 40, 50)
    padded_cfog, padded_grey = (torch.nn.functional.pad(t, (r, r, r, r)) for t in (cfog, grey))
    with torch.inference_mode():
        full = net(cfog, grey, modality)
        # inside, at a corner, along the right and bottom borders, the whole region
        for top, left, h, w in ((8, 9, 20, 30), (0, 0, 17, 21), (3, 40, 30, 10), (33, 2, 7, 45), (0, 0, 40, 50)):
            outside = (max(r - left, 0), max(left + w + r - 50, 0), max(r - top, 0), max(top + h + r - 40, 0))
            cut = (slice(None), slice(None), slice(top, top + h + 2 * r), slice(left, left + w + 2 * r))
            out = net.forward_window(padded_cfog[cut], padded_grey[cut], modality, outside)
            assert out.shape[-2:] == (h, w)
            torch.testing.assert_close(out, full[..., top:top + h, left:left + w], atol=1e-5, rtol=1e-5)


def test_forward_window_shapes_depend_on_the_window_size_only():
    """Two windows of one size, one inside the region and one at its corner, give the network inputs of one
    shape (oneDNN sets up each new shape once)."""
    p = pair(5)
    feats = DescriptorMatcher(trained_net(1)).descriptor
    shapes, forward = [], feats.net.forward_window
    feats.net.forward_window = lambda cfog, *a: shapes.append(tuple(cfog.shape)) or forward(cfog, *a)
    region = np.ascontiguousarray(p.visible[10:90, 20:140])
    for top, left in ((20, 30), (0, 0), (50, 90)):
        feats.window(region, top, left, 30, 30)
    assert len(set(shapes)) == 1 and shapes[0][-2:] == (30 + 2 * feats.net.config.radius,) * 2


def test_window_features_equal_the_cropped_region_features():
    p = pair(5)
    matcher = DescriptorMatcher(trained_net(1))
    feats = matcher.descriptor
    for image in (p.visible, p.infrared):
        region = np.ascontiguousarray(image[10:90, 20:140])
        full = feats(region)
        for top, left, height, width in ((12, 12, 40, 60), (0, 0, 30, 30), (3, 100, 70, 20), (50, 7, 30, 113)):
            np.testing.assert_allclose(feats.window(region, top, left, height, width),
                                       full[:, top:top + height, left:left + width], atol=1e-5)


def test_trimming_leaves_the_boxes_unchanged():
    p = pair(11)
    net = trained_net(2)
    trimmed, plain = DescriptorMatcher(net), DescriptorMatcher(net, trim=False)
    assert trimmed.trim and not plain.trim
    _assert_same_matches(trimmed, plain, p.infrared, p.visible,
                         [((40, 30, 30, 26), (20, 10, 80, 70)), ((2, 1, 33, 29), (0, 0, 80, 70)),
                          ((120, 85, 36, 33), (90, 55, 70, 65))])
