"""tracker/extent.py and TrackerConfig.box_extent: the reported box's width measured from the searched image's
pixels, the search keeping its own size."""
import cv2
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from streams.frames import FramePair
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.extent import measure_extent
from tracker.mapping import ModalityMapping
from tracker.tracker import Tracker

SIZE = (320, 240)


def _walker(image: np.ndarray, cx: float, top: float, stride: float, value: int) -> tuple[float, ...]:
    """Draw a walker (head, torso, two legs ``stride`` px apart at the feet) of intensity ``value``; return its
    tight box."""
    cx, top = int(round(cx)), int(round(top))
    cv2.circle(image, (cx, top + 5), 5, value, -1)
    cv2.rectangle(image, (cx - 6, top + 10), (cx + 6, top + 50), value, -1)
    half = int(round(stride / 2))
    for foot in (cx - half, cx + half):
        cv2.line(image, (cx, top + 50), (foot, top + 78), value, 5)
    reach = max(6, half + 2)
    return float(cx - reach), float(top), float(2 * reach + 1), 81.0


def _scene(stride: float, cx: float = 160.0, seed: int = 0, dark: bool = False, walker: bool = True):
    """An IR-like image: smooth clutter, a warm ground strip under the feet, and a warm walker."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    image = cv2.GaussianBlur(rng.integers(0, 255, (h, w), dtype=np.uint8), (0, 0), 4)
    image = cv2.normalize(image, None, 70, 140, cv2.NORM_MINMAX)
    image[160:200] = 190  # the pavement the feet stand on
    box = _walker(image if walker else image.copy(), cx, 80.0, stride, 30 if dark else 245)
    image = np.clip(image.astype(int) + rng.integers(-3, 4, image.shape), 0, 255).astype(np.uint8)
    return image, np.array(box)


@pytest.mark.parametrize("stride", [0.0, 16.0, 32.0])
def test_the_edges_are_the_walkers_from_a_box_kept_at_the_first_width(stride):
    image, truth = _scene(stride)
    tracked = np.array([150.0, 80.0, 20.0, 81.0])  # the width at the first frame, centred on the torso
    found = measure_extent(image, tracked)
    assert found is not None
    assert abs(found[0] - truth[0]) <= 2 and abs(found[0] + found[2] - truth[0] - truth[2]) <= 2
    assert np.array_equal(found[[1, 3]], tracked[[1, 3]])  # the height is the tracker's


def test_a_box_beside_the_walker_still_gets_the_whole_walker():
    image, truth = _scene(32.0)
    found = measure_extent(image, np.array([truth[0] + 14, 80.0, 20.0, 81.0]))  # over its right half
    assert found is not None and float(iou(found, truth)[0]) > 0.9


def test_a_dark_walker_on_lighter_ground_is_measured_too():
    image, truth = _scene(24.0, dark=True)
    found = measure_extent(image, np.array([150.0, 80.0, 20.0, 81.0]))
    assert found is not None and float(iou(found, truth)[0]) > 0.9


def test_no_measurement_where_nothing_stands_out():
    rng = np.random.default_rng(1)
    flat = np.full((240, 320), 120, np.uint8)
    noise = np.clip(120 + rng.normal(0, 20, (240, 320)), 0, 255).astype(np.uint8)
    box = np.array([150.0, 80.0, 20.0, 81.0])
    assert measure_extent(flat, box) is None
    assert measure_extent(noise, box) is None


def test_no_measurement_where_the_targets_class_runs_on_beyond_the_region():
    image, _ = _scene(0.0)
    box = np.array([150.0, 80.0, 20.0, 81.0])
    assert measure_extent(image, box) is not None  # the walker alone is measured
    cable = image.copy()
    cv2.line(cable, (160, 120), (320, 140), 245, 4)  # ... but joined to a warm cable that leaves the region
    assert measure_extent(cable, box) is None


def test_degenerate_boxes_give_no_measurement():
    image, _ = _scene(16.0)
    assert measure_extent(image, np.array([150.0, 80.0, 1.0, 81.0])) is None
    assert measure_extent(image, np.array([-400.0, 80.0, 20.0, 81.0])) is None


def _walking_sequence(n: int = 12, crossover: bool = False):
    """A walker striding on the spot in both streams (IR: warm on clutter; visible: dark on a light ground). With
    ``crossover`` the IR stream shows the clutter and the ground only: the walker is at their temperature."""
    frames, truth = [], []
    for i in range(n):
        stride = 32.0 * abs(np.sin(i * np.pi / 6))
        ir, box = _scene(stride, seed=i)
        visible = cv2.cvtColor(255 - ir, cv2.COLOR_GRAY2RGB)
        if crossover:
            ir, _ = _scene(stride, seed=i, walker=False)
        frames.append(FramePair(i, visible, ir, i / 30, i / 30))
        truth.append(box)
    return frames, np.array(truth)


def _run(mode: str, crossover: bool = False, **config):
    frames, truth = _walking_sequence(crossover=crossover)
    tracker = Tracker(CfogBackend(), TrackerConfig(mode=mode, auto_align=False, **config))
    tracker.init(frames[0], truth[0], "visible")
    results, states = [], []
    for f in frames[1:]:
        results.append(tracker.update(f))
        states.append(tracker.state.box.copy())
    return tracker, results, np.array(states), truth[1:]


def test_cross_mode_reports_the_measured_width_and_searches_as_without_it():
    assert TrackerConfig().box_extent == "all"  # the default
    on, results_on, states_on, truth = _run("cross")
    off, results_off, states_off, _ = _run("cross", box_extent="off")
    assert on.state.extent == {"infrared"} and off.state.extent == set()
    np.testing.assert_allclose(states_on, states_off)  # the search is the same
    boxes_on = np.array([r.box for r in results_on])
    boxes_off = np.array([r.box for r in results_off])
    assert np.allclose(boxes_off, states_off)
    assert iou(boxes_on, truth).mean() > iou(boxes_off, truth).mean() + 0.15
    np.testing.assert_allclose(np.array([r.box_infrared for r in results_on]), boxes_on)  # aligned streams


def test_homologous_searches_are_measured_unless_heterologous_only_is_asked():
    tracker, results, states, truth = _run("fused")
    assert tracker.state.extent == {"visible", "infrared"}
    boxes = np.array([r.box for r in results])
    assert iou(boxes, truth).mean() > iou(states, truth).mean() + 0.15
    np.testing.assert_allclose(boxes[:, [1, 3]], states[:, [1, 3]])
    tracker, results, states, _ = _run("fused", box_extent="heterologous")
    assert tracker.state.extent == set()
    assert np.allclose(np.array([r.box for r in results]), states)


def test_a_target_that_fails_the_init_check_is_never_measured():
    tracker, results, states, _ = _run("cross", crossover=True)
    assert tracker.state.extent == set()
    assert np.allclose(np.array([r.box for r in results]), states)


def test_through_a_homography_only_the_edges_come_back():
    """A calibrated, slightly rotated IR stream: the reported box keeps the state's height and vertical position
    (mapping the measured box back whole would grow it around its rotated corners)."""
    frames, truth = _walking_sequence()
    angle = np.deg2rad(2.0)
    ir_to_visible = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0, 0, 1]])
    mapping = ModalityMapping(ir_to_visible)
    frames = [FramePair(f.index, f.visible, cv2.warpPerspective(f.infrared, mapping.visible_to_ir, SIZE),
                        f.t_visible, f.t_infrared) for f in frames]  # the IR stream really is rotated
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", auto_align=False), mapping)
    tracker.init(frames[0], truth[0], "visible")
    measured = 0
    for f in frames[1:]:
        result = tracker.update(f)
        state = tracker.state.box
        np.testing.assert_allclose(result.box[[1, 3]], state[[1, 3]])
        measured += not np.allclose(result.box, state)
    assert measured > 0


def test_a_target_less_upright_than_extent_aspect_is_never_measured():
    assert TrackerConfig().extent_aspect == 1.5
    tracker, results, states, truth = _run("cross", extent_aspect=7.0)  # the init box is 13 x 81: 6.2 times
    assert tracker.state.extent == set()
    assert np.allclose(np.array([r.box for r in results]), states)


def test_box_extent_fields_are_validated():
    with pytest.raises(ConfigError, match="box_extent"):
        TrackerConfig(box_extent="sometimes")
    with pytest.raises(ConfigError, match="extent_check"):
        TrackerConfig(extent_check=1.5)
    with pytest.raises(ConfigError, match="extent_aspect"):
        TrackerConfig(extent_aspect=-1.0)
