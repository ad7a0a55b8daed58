"""The descriptor matcher's bucketed regions compute the same numbers."""
import numpy as np
import pytest

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


def test_bucketing_leaves_the_boxes_unchanged():
    p = pair(7)
    net = trained_net()
    bucketed, plain = DescriptorMatcher(net), DescriptorMatcher(net)
    plain.bucket = 1
    assert bucketed.bucket == 16
    for box, window in (((40, 30, 30, 26), (20, 10, 80, 70)), ((100, 60, 27, 33), (60, 30, 98, 89)),
                        ((3, 2, 25, 25), (0, 0, 60, 60))):
        a = bucketed.match(p.visible, box, p.infrared, window)
        b = plain.match(p.visible, box, p.infrared, window)
        np.testing.assert_allclose(a.box, b.box, atol=1e-4)
        np.testing.assert_allclose(a.response, b.response, atol=1e-5)


def test_classic_matchers_do_not_bucket():
    assert CfogMatcher().bucket == 1
