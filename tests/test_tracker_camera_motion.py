"""tracker/camera_motion.py and TrackerConfig.camera_motion: the frame-to-frame similarity of one stream."""
import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from streams.frames import FramePair
from tracker.camera_motion import CameraMotion
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.tracker import Tracker

SIZE = (320, 240)


def _texture(seed: int = 0, size=(480, 360)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.integers(0, 255, size[::-1], dtype=np.uint8), (0, 0), 2.0)
    return cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)


def _view(world: np.ndarray, shift=(0.0, 0.0), zoom: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """A 320x240 camera view of ``world``: the world point at the view's centre is the world's centre moved
    by ``shift``; ``zoom`` > 1 magnifies."""
    w, h = SIZE
    cx, cy = world.shape[1] / 2 + shift[0], world.shape[0] / 2 + shift[1]
    m = cv2.getRotationMatrix2D((cx, cy), angle, zoom)
    m[:, 2] += (w / 2 - cx, h / 2 - cy)
    return cv2.warpAffine(world, m, SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def test_a_pan_and_a_zoom_are_recovered():
    world = _texture()
    camera = CameraMotion()
    camera.observe(_view(world))
    motion = camera.estimate(_view(world, shift=(6.0, -4.0), zoom=1.03))
    assert motion is not None and motion.inliers >= 20
    assert motion.zoom == pytest.approx(1.03, abs=0.005)
    # the world point that was at the view's centre: moved by the pan (scaled by the zoom) to the other side
    x, y = motion.apply((160.0, 120.0))
    assert x == pytest.approx(160.0 - 6.0 * 1.03, abs=0.5) and y == pytest.approx(120.0 + 4.0 * 1.03, abs=0.5)


def test_no_estimate_without_a_previous_frame_on_a_flat_view_or_after_a_reset():
    world = _texture()
    camera = CameraMotion()
    assert camera.estimate(_view(world)) is None  # the first frame only becomes the previous one
    assert camera.estimate(np.full((240, 320), 90, np.uint8)) is None  # flat: no corners
    camera.observe(_view(world))
    camera.reset()
    assert camera.estimate(_view(world, shift=(3.0, 0.0))) is None


def test_the_excluded_box_keeps_a_large_moving_target_out_of_the_fit():
    world = _texture()
    before, after = _view(world), _view(world, shift=(5.0, 0.0))  # the camera pans 5 px right
    patch = _texture(seed=9, size=(120, 120))
    before[60:180, 100:220] = patch
    after[60:180, 120:240] = patch  # a target covering a fifth of the view moves 20 px the other way
    camera = CameraMotion()
    camera.observe(before)
    motion = camera.estimate(after, exclude=np.array([90.0, 50.0, 160.0, 140.0]))
    assert motion is not None
    assert motion.apply((50.0, 50.0))[0] == pytest.approx(45.0, abs=0.5)


def _panning_scene(n: int = 12, pan: float = 5.0):
    """A camera panning right over a textured world in which a bright square stands still; IR inverts."""
    world = _texture(seed=3)
    world[150:190, 220:260] = 250
    frames, boxes = [], []
    for i in range(n):
        grey = _view(world, shift=(pan * i, 0.0))
        frames.append(FramePair(i, cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB), 255 - grey, i / 30, i / 30))
        # the world square's view position: world centre (240, 180) sits at the view centre (160, 120)
        boxes.append((220 - 80 - pan * i, 150 - 60, 40, 40))
    return frames, np.array(boxes, float)


def test_the_tracker_moves_its_state_with_the_camera_and_reports_it():
    frames, boxes = _panning_scene()
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", camera_motion=True, auto_align=False))
    tracker.init(frames[0], boxes[0], "visible")
    for f, truth in zip(frames[1:], boxes[1:]):
        result = tracker.update(f)
        assert tracker.camera is not None and tracker.camera["modality"] == "infrared"
        assert tracker.camera["shift"][0] == pytest.approx(-5.0, abs=0.5)
        assert "motion_ms" in result.timings
        centre = result.box[:2] + result.box[2:] / 2
        assert np.hypot(*(centre - (truth[:2] + truth[2:] / 2))) < 4.0
    # the target stands still in the world: the velocity prior learnt nothing from the pan
    assert np.hypot(*tracker.state.motion.velocity) < 1.0


def test_off_gives_no_estimate():
    frames, boxes = _panning_scene(n=3)
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", camera_motion="off", auto_align=False))
    tracker.init(frames[0], boxes[0], "visible")
    result = tracker.update(frames[1])
    assert tracker.camera is None and "motion_ms" not in result.timings
    assert tracker.state.motion.decay == tracker.config.velocity_decay


def test_heterologous_compensates_heterologous_searches_only():
    frames, boxes = _panning_scene(n=3)
    for mode, on in (("cross", True), ("fused", False), ("visible", False)):
        config = TrackerConfig(mode=mode, camera_motion="heterologous", auto_align=False)
        tracker = Tracker(CfogBackend(), config)
        tracker.init(frames[0], boxes[0], "visible")
        result = tracker.update(frames[1])
        assert (tracker.camera is not None) == on and ("motion_ms" in result.timings) == on, mode
        # while compensating, the coast keeps the target's own velocity (camera_velocity_decay)
        expected = config.camera_velocity_decay if on else config.velocity_decay
        assert tracker.state.motion.decay == expected, mode


def test_heterologous_includes_fused_mode_without_a_second_image_at_init():
    frames, boxes = _panning_scene(n=3)
    blank = FramePair(0, frames[0].visible, np.zeros_like(frames[0].infrared), 0.0, 0.0)
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="fused", camera_motion="heterologous", auto_align=False))
    tracker.init(blank, boxes[0], "visible")
    assert tracker.state.templates["infrared"][1] == "visible"  # IR is searched with the visible template
    tracker.update(frames[1])
    assert tracker.camera is not None


def test_camera_motion_from_settings_files_and_set():
    from core.config import config_from_mapping, parse_assignments
    assert config_from_mapping(TrackerConfig, {"camera_motion": False}).camera_motion == "off"
    assert config_from_mapping(TrackerConfig, {"camera_motion": "heterologous"}).camera_motion == "heterologous"
    for text, value in (("true", "all"), ("false", "off"), ("all", "all"), ("off", "off")):
        mapping = parse_assignments(TrackerConfig, [f"camera_motion={text}"])
        assert config_from_mapping(TrackerConfig, mapping).camera_motion == value


def test_camera_motion_values():
    assert TrackerConfig(camera_motion=True).camera_motion == "all"  # the older flag
    assert TrackerConfig(camera_motion=False).camera_motion == "off"
    with pytest.raises(ConfigError, match="camera_motion"):
        TrackerConfig(camera_motion="sometimes")
    with pytest.raises(ConfigError, match="camera_velocity_decay"):
        TrackerConfig(camera_velocity_decay=1.5)


@pytest.mark.parametrize("value", [2, True, 2.5])
def test_min_inliers_is_validated(value):
    with pytest.raises(ConfigError, match="camera_motion_min_inliers"):
        TrackerConfig(camera_motion_min_inliers=value)
