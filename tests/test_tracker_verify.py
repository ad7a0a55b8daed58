"""TrackerConfig.verify_below: while a heterologous target is followed at a middling score, more crops of the
frame are searched in turn, and the tracker moves to a peak clearly better than what it follows."""
import numpy as np
import pytest

from core.errors import ConfigError
from tests.tracker_doubles import moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.tracker import Tracker

TARGET = (140, 100, 40, 40)  # a still target, centre (160, 120) in a 320x240 frame
CENTRE = np.array([160.0, 120.0])


def _following_the_wrong_place(mode: str = "cross", **config):
    """Init on the still target, then put the state 110 px to its right as though a structure there had been
    followed for a while at a middling score, and track one frame."""
    frames, gt = moving_target_scene(n=2, box=TARGET, velocity=(0.0, 0.0))
    tracker = Tracker(CfogBackend(), TrackerConfig(mode=mode, auto_align=False, **config))
    tracker.init(frames[0], gt[0], "visible")
    st = tracker.state
    st.center = CENTRE + (110.0, 0.0)
    st.motion.velocity[:] = 0.0
    st.recent.extend([0.3] * st.recent.maxlen)
    return tracker, tracker.update(frames[1])


def _on_target(result) -> bool:
    centre = result.box[:2] + result.box[2:] / 2
    return np.hypot(*(centre - CENTRE)) < 8.0


def test_off_by_default_the_tracker_stays_where_it_was_put():
    assert TrackerConfig().verify_below == 0.0
    _, result = _following_the_wrong_place()
    assert result.state != "redetected" and not _on_target(result)


def test_a_clearly_better_peak_elsewhere_is_taken():
    # tiles enough to cover the 320x240 frame in one frame
    tracker, result = _following_the_wrong_place(verify_below=0.9, verify_tiles=16)
    assert result.state == "redetected" and _on_target(result)
    assert result.confidence >= 0.3 + tracker.config.verify_margin  # the score moved to, not the one left
    assert len(tracker.state.recent) == 0  # the followed scores no longer count


def test_nothing_moves_when_the_bar_is_out_of_reach():
    _, result = _following_the_wrong_place(verify_below=0.9, verify_tiles=16, verify_margin=1.0)
    assert result.state != "redetected" and not _on_target(result)


def test_homologous_searches_are_not_verified():
    _, result = _following_the_wrong_place("visible", verify_below=0.9, verify_tiles=16)
    assert result.state != "redetected"


@pytest.mark.parametrize("field,value", [("verify_tiles", -1), ("verify_tiles", True), ("verify_tiles", 2.5),
                                         ("verify_below", 1.5), ("verify_margin", -0.1)])
def test_verify_fields_are_validated(field, value):
    with pytest.raises(ConfigError, match=field):
        TrackerConfig(**{field: value})
