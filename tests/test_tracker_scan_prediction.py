"""The lost scan's every-frame crop is centred on the prediction (``scan_at_prediction``).

A search crop's response covers only the middle of the crop, so the grid point nearest the
prediction, up to half a grid step off, can leave a target that comes back right beside the prediction
outside every cell it scores (the demo's walker after the kiosk, docs/TRACKER.md, "Ninth session").
"""
import numpy as np
import pytest

from core.geometry import iou
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.tracker import Tracker

TARGET = (140.0, 100.0, 40.0, 40.0)  # centre (160, 120) in a 320x240 frame


CENTRE = (TARGET[0] + TARGET[2] / 2, TARGET[1] + TARGET[3] / 2)


def _lost_scan(offset, **config):
    """Init on the still target, declare the tracker lost with its prediction ``offset`` px from the target and
    the scan region grown to its largest, and scan one frame. Returns the tracker, the result and the centres
    of the crops searched."""
    frames, gt = moving_target_scene(n=2, box=tuple(int(v) for v in TARGET), velocity=(0.0, 0.0))
    tracker = Tracker(NccBackend(), TrackerConfig(mode="visible", **config))
    tracker.init(frames[0], gt[0], "visible")
    st = tracker.state
    st.lost, st.growth = True, tracker.config.max_search_growth
    st.center = np.add(CENTRE, offset)
    centres, crops = [], tracker._search_crops
    tracker._search_crops = lambda image, m, c, sides: centres.append(c) or crops(image, m, c, sides)
    return tracker, tracker.update(frames[1]), centres


def _one_crop_scan(offset, at_prediction: bool):
    # a budget of one crop; the test double scores bare background near 0.6: re-detect above it
    _, result, centres = _lost_scan(offset, scan_tiles=1, scan_at_prediction=at_prediction, reacquire_threshold=0.75)
    return result, centres


@pytest.mark.parametrize("offset", [(50, 0), (45, 30), (55, 0)])
def test_a_target_beside_the_prediction_is_redetected(offset):
    result, centres = _one_crop_scan(offset, at_prediction=True)
    assert centres == [pytest.approx(tuple(np.add(CENTRE, offset)))]  # one crop (the budget), on the prediction
    assert result.state == "redetected"
    assert iou(np.array([result.box]), np.array([TARGET]))[0] > 0.9


@pytest.mark.parametrize("offset", [(50, 0), (45, 30), (55, 0)])
def test_the_nearest_grid_point_misses_it(offset):
    """What the flag fixes: the nearest grid point of the grown region is more than the response's reach
    from the target, and the scan stays lost."""
    result, centres = _one_crop_scan(offset, at_prediction=False)
    assert len(centres) == 1 and np.hypot(*np.subtract(centres[0], np.add(CENTRE, offset))) > 20
    assert result.state == "lost"


def test_the_grid_skips_points_near_the_prediction():
    """With no budget the other crops come from the grid, never a second crop on the prediction."""
    tracker, _, centres = _lost_scan((0, 0), scan_tiles=0, reacquire_threshold=0.99)
    side = tracker._search_side(tracker.state)
    first = np.array(centres[0])
    assert np.allclose(first, CENTRE)
    assert all(np.hypot(*(np.array(c) - first)) >= side / 4 for c in centres[1:])
    assert len(centres) > 2
