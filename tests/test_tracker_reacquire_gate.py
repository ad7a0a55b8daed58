"""TrackerConfig.heterologous_reacquire_gate: a heterologous re-detection takes only peaks that the target
could have reached from where it was coasting."""
import numpy as np
import pytest

from core.errors import ConfigError
from tests.tracker_doubles import moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.tracker import Tracker

TARGET = (140, 100, 40, 40)  # a still target, centre (160, 120) in a 320x240 frame
CENTRE = np.array([160.0, 120.0])


def _lost_far(mode: str, offset: float, frames_lost: int = 4, **config):
    """Init on the still target, declare the tracker lost with its coasted position ``offset`` px to the right
    of the target, the scan grown to the whole frame (every tile, this frame), and scan one frame."""
    frames, gt = moving_target_scene(n=2, box=TARGET, velocity=(0.0, 0.0))
    tracker = Tracker(CfogBackend(), TrackerConfig(mode=mode, scan_tiles=0, auto_align=False, **config))
    tracker.init(frames[0], gt[0], "visible")
    st = tracker.state
    st.lost, st.growth, st.frames_lost = True, tracker.config.max_search_growth, frames_lost
    st.center = CENTRE + (offset, 0.0)
    st.motion.velocity[:] = 0.0
    return tracker, tracker.update(frames[1])


def _found(result) -> bool:
    centre = result.box[:2] + result.box[2:] / 2
    return result.state == "redetected" and np.hypot(*(centre - CENTRE)) < 8.0


def test_without_the_gate_a_cross_mode_scan_finds_the_target_anywhere_in_the_frame():
    assert TrackerConfig().heterologous_reacquire_gate == 1.0  # on by default
    _, result = _lost_far("cross", 120.0, heterologous_reacquire_gate=0.0)
    assert _found(result)


def test_the_gate_refuses_a_target_beyond_reach_and_takes_one_within_it():
    # mean side 40 px: 1 + 0.1 * 4 frames lost = 1.4 sides = 56 px of reach
    _, far = _lost_far("cross", 120.0, heterologous_reacquire_gate=1.0)
    assert far.state == "lost"
    _, near = _lost_far("cross", 40.0, heterologous_reacquire_gate=1.0)
    assert _found(near)
    # the reach grows with the frames lost: after 26 of them it is 3.6 sides = 144 px
    _, later = _lost_far("cross", 120.0, frames_lost=26, heterologous_reacquire_gate=1.0)
    assert _found(later)


def test_homologous_scans_are_not_gated():
    _, result = _lost_far("visible", 120.0, heterologous_reacquire_gate=1.0)
    assert _found(result)


def test_the_gate_mask_is_a_disc_around_the_coasted_position():
    tracker, _ = _lost_far("cross", 0.0, heterologous_reacquire_gate=0.0)
    tracker.config = TrackerConfig(mode="cross", heterologous_reacquire_gate=1.0, heterologous_reacquire_growth=0.0)
    st = tracker.state
    st.center = np.array([100.0, 100.0])
    st.size = np.array([16.0, 64.0])  # mean side 32
    side = 255.0  # crop px = image px
    r = tracker.backend.match(st.templates["infrared"][0], np.zeros((1, 255, 255), np.uint8), "infrared")
    mask = tracker._gate([(100.0, 100.0)], [side], r)[0]
    offsets = tracker._cell_offsets(r, mask.shape[0])
    dist = np.hypot(offsets[:, None], offsets[None, :])
    assert np.array_equal(mask.astype(bool), dist <= 32.0)


@pytest.mark.parametrize("field", ["heterologous_reacquire_gate", "heterologous_reacquire_growth"])
def test_gate_fields_are_validated(field):
    with pytest.raises(ConfigError, match=field):
        TrackerConfig(**{field: -1.0})
