"""The constant-velocity prior (coasting through an occlusion) and the automatic IR offset at init."""
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.mapping import ModalityMapping
from tracker.motion import VelocityModel
from tracker.tracker import Tracker


def test_velocity_model_learns_caps_and_decays():
    m = VelocityModel(lr=0.5, decay=0.5, max_step=0.5)
    m.observe(np.array([4.0, 0.0]))
    m.observe(np.array([4.0, 0.0]))
    assert m.velocity == pytest.approx([3.0, 0.0])
    assert m.step(np.array([40.0, 40.0])) == pytest.approx([3.0, 0.0])
    assert np.hypot(*m.step(np.array([2.0, 2.0]))) == pytest.approx(1.0)  # capped at half the mean side
    m.unseen()
    assert m.velocity == pytest.approx([1.5, 0.0])
    off = VelocityModel(lr=0.0)
    off.observe(np.array([5.0, 5.0]))
    assert off.step(np.array([10.0, 10.0])) == pytest.approx([0.0, 0.0])


def test_one_jump_pulls_the_velocity_at_most_max_innovation_sides():
    size = np.array([40.0, 20.0])  # mean side 30
    free, capped = VelocityModel(lr=0.5), VelocityModel(lr=0.5, max_innovation=0.1)
    for m in (free, capped):
        m.observe(np.array([2.0, 0.0]), size)
        m.observe(np.array([2.0, 0.0]), size)  # velocity (1.5, 0): innovation 0.5 px, under the cap of 3
    assert capped.velocity == pytest.approx(free.velocity)
    for m in (free, capped):
        m.observe(np.array([1.5, -40.0]), size)  # a jump to a look-alike 40 px away
    assert free.velocity == pytest.approx([1.5, -20.0])
    assert capped.velocity == pytest.approx([1.5, -1.5])  # lr x the innovation capped at 0.1 x 30 px
    # A real turn still gets through, a capped step per frame.
    for _ in range(20):
        capped.observe(np.array([-3.0, 0.0]), size)
    assert capped.velocity == pytest.approx([-3.0, 0.0], abs=1e-3)
    with pytest.raises(ConfigError, match="velocity_max_innovation"):
        TrackerConfig(velocity_max_innovation=-0.1)


def occluded_scene(n=40, hide=range(14, 24), velocity=(3.0, 1.0), seed=0):
    """A textured square crossing a plain background (so nothing else matches it), hidden in both
    modalities for the frames in ``hide``; IR is the inverted intensity."""
    rng = np.random.default_rng(seed)
    w, h, (x0, y0, bw, bh) = 320, 240, (60, 80, 40, 40)
    patch = np.kron(rng.integers(100, 255, (5, 5)), np.ones((8, 8))).astype(np.uint8)
    other = np.kron(rng.integers(100, 255, (3, 3)), np.ones((10, 10))).astype(np.uint8)  # keeps frames non-blank
    frames, boxes = [], []
    for i in range(n):
        x, y = int(round(x0 + velocity[0] * i)), int(round(y0 + velocity[1] * i))
        grey = np.full((h, w), 60, np.uint8)
        grey[190:220, 270:300] = other
        if i not in hide:
            grey[y:y + bh, x:x + bw] = patch
        grey = np.clip(grey.astype(int) + rng.integers(-3, 4, grey.shape), 0, 255).astype(np.uint8)
        frames.append(FramePair(i, np.repeat(grey[..., None], 3, axis=2), 255 - grey, i / 30, i / 30))
        boxes.append((x, y, bw, bh))
    return frames, np.array(boxes, float)


def centre_errors(results, gt):
    boxes = np.array([r.box for r in results])
    return np.hypot(*(boxes[:, :2] + boxes[:, 2:] / 2 - gt[1:, :2] - gt[1:, 2:] / 2).T)


def test_velocity_prior_coasts_through_an_occlusion():
    frames, gt = occluded_scene()
    runs = {}
    for lr in (0.0, 0.3):
        tracker = Tracker(NccBackend(bias=-6.0), TrackerConfig(mode="fused", velocity_lr=lr))
        tracker.init(frames[0], gt[0], "visible")
        runs[lr] = [tracker.update(f) for f in frames[1:]]
    hidden = slice(14 - 1, 24 - 1)  # results start at frame 1
    with_prior, without = centre_errors(runs[0.3], gt), centre_errors(runs[0.0], gt)
    # Hidden, the plain loop stays put (or wanders) while the prior keeps moving along the track.
    assert with_prior[hidden].mean() < 0.5 * without[hidden].mean(), (with_prior[hidden], without[hidden])
    assert {"weak", "lost"} & {r.state for r in runs[0.3][hidden]}
    # And once the target is back it is followed again.
    assert iou(np.array([r.box for r in runs[0.3][-5:]]), gt[-5:]).min() > 0.5


def shifted_ir(frames, gt, dx, dy):
    """The same scene with the IR stream displaced by (dx, dy) pixels (a misregistered camera pair)."""
    import cv2

    m = np.float32([[1, 0, dx], [0, 1, dy]])
    out = [FramePair(f.index, f.visible, cv2.warpAffine(f.infrared, m, f.infrared.shape[::-1],
                                                        borderMode=cv2.BORDER_REFLECT), f.t_visible, f.t_infrared)
           for f in frames]
    return out, gt + np.array([dx, dy, 0, 0])


@pytest.mark.parametrize("init_modality", ["visible", "infrared"])
def test_fused_init_finds_the_ir_offset_of_an_unaligned_pair(init_modality):
    frames, gt = moving_target_scene(n=12)
    frames, gt_ir = shifted_ir(frames, gt, 14, -9)
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="fused"))  # matches across the IR's inverted polarity
    tracker.init(frames[0], (gt if init_modality == "visible" else gt_ir)[0], init_modality)
    assert tracker.alignment is not None
    assert tracker.alignment["dx"] == pytest.approx(14, abs=3)
    assert tracker.alignment["dy"] == pytest.approx(-9, abs=3)
    results = [tracker.update(f) for f in frames[1:]]
    assert iou(np.array([r.box for r in results]), gt[1:]).min() > 0.5
    assert iou(np.array([r.box_infrared for r in results]), gt_ir[1:]).min() > 0.5


def test_no_offset_on_aligned_streams_or_with_a_calibration_file():
    frames, gt = moving_target_scene(n=4)
    # The test double cannot match across modalities at all: its confident matches on the noise background
    # must not pass for an offset, from either stream.
    for backend, modality in ((CfogBackend(), "visible"), (NccBackend(), "visible"), (NccBackend(), "infrared")):
        tracker = Tracker(backend, TrackerConfig(mode="fused"))
        tracker.init(frames[0], gt[0] + [2, 0, 0, 0], modality)
        assert tracker.alignment is None and tracker.mapping.is_identity, (backend.name, modality)

    shifted, _ = shifted_ir(frames, gt, 14, -9)
    calibrated = Tracker(CfogBackend(), TrackerConfig(mode="fused"), ModalityMapping(np.eye(3)))
    calibrated.init(shifted[0], gt[0], "visible")
    assert calibrated.alignment is None  # a calibration file is trusted as it is
    off = Tracker(CfogBackend(), TrackerConfig(mode="fused", auto_align=False))
    off.init(shifted[0], gt[0], "visible")
    assert off.alignment is None


def test_a_lost_frame_searches_at_most_scan_tiles_crops():
    frames, gt = occluded_scene(n=40, hide=range(10, 40))
    backend = NccBackend(bias=-6.0)
    sizes, original = [], backend.match
    backend.match = lambda template, crops, modality, want=(), **k: sizes.append(len(crops)) or original(
        template, crops, modality, want)
    tracker = Tracker(backend, TrackerConfig(mode="visible", scan_tiles=3))
    tracker.init(frames[0], gt[0], "visible")
    lost = 0
    for f in frames[1:]:
        sizes.clear()
        res = tracker.update(f)
        if res.state == "lost":
            # never the whole region at once: the budget, plus the nearest tile at the two other scan_scales
            assert len(sizes) == 1 and sizes[0] <= 3 + 2, sizes
            lost += 1
    assert lost > 10
    unbounded = Tracker(NccBackend(bias=-6.0), TrackerConfig(mode="visible", scan_tiles=0))
    unbounded.init(frames[0], gt[0], "visible")
    tiles = [unbounded.update(f).timings.get("tiles", 0) for f in frames[1:]]
    assert max(tiles) > 3  # without the budget a grown region takes more crops in one frame
