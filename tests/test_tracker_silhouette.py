"""tracker/silhouette.py, TrackerConfig.heterologous_silhouette: the init target's colour silhouette matched
against the other modality's intensity."""
import numpy as np
import pytest

from core.errors import ConfigError
from streams.frames import FramePair
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.silhouette import silhouette_ncc, silhouette_template
from tracker.tracker import Tracker

SIZE = (320, 240)
FIGURE = (14, 44)


def _scene(x: int, y: int = 100, hot: bool = True, n_extra: int = 0) -> FramePair:
    """A street: horizontal green and grey bands (a hedge and a kerb) running across the whole frame and a
    yellow figure of ``FIGURE`` at (x, y). In IR the bands are mid-grey levels and the figure is bright
    (``hot``) or as dark as the darkest band."""
    w, h = SIZE
    vis = np.zeros((h, w, 3), np.uint8)
    ir = np.zeros((h, w), np.uint8)
    for row in range(h):
        band = (row // 14) % 2
        vis[row] = (40, 140, 40) if band == 0 else (128, 128, 128)
        ir[row] = 90 if band == 0 else 120
    rng = np.random.default_rng(x)
    vis = np.clip(vis.astype(int) + rng.integers(-4, 5, vis.shape), 0, 255).astype(np.uint8)
    ir = np.clip(ir.astype(int) + rng.integers(-4, 5, ir.shape), 0, 255).astype(np.uint8)
    fw, fh = FIGURE
    vis[y:y + fh, x:x + fw] = (230, 210, 30)
    vis[y + fh // 2:y + fh, x:x + fw] = (30, 40, 120)  # trousers
    ir[y:y + fh, x:x + fw] = 230 if hot else 60
    return FramePair(0, vis, ir, 0.0, 0.0)


def _exemplar(frames: FramePair, x: int, y: int = 100):
    """The SiamFC exemplar crop of the figure at (x, y) and its box size in crop px, as the tracker cuts it."""
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", auto_align=False))
    tracker.init(frames, (x, y, *FIGURE), "visible")
    return tracker._exemplar(frames.visible, "visible", tracker.state)


def test_a_flat_crop_has_no_silhouette_and_a_figure_has_a_zero_mean_one():
    flat = np.full((127, 127, 3), 90, np.uint8)
    assert silhouette_template(flat, (20, 40)) is None
    frames = _scene(150)
    template = silhouette_template(*_exemplar(frames, 150))
    assert template is not None and template.mask.dtype == np.float32
    assert abs(float(template.mask.mean())) < 1e-5
    assert template.separation > 0.3
    # the figure is the silhouette's bright middle, the bands beside it below its mean
    h, w = template.mask.shape
    assert template.mask[h // 2, w // 2] > 0 > template.mask[h // 2, 0]


def test_the_silhouette_finds_a_hot_figure_beside_the_centre():
    frames = _scene(150)
    crop, target = _exemplar(frames, 150)
    template = silhouette_template(crop, target)
    backend = CfogBackend()
    # search crops of the IR frame (scale 1) centred 16 px left of the figure, which is then 16 px right of
    # the crop's centre: 2 grid cells of stride 8
    tracker = Tracker(backend, TrackerConfig(mode="cross", auto_align=False))
    tracker.init(frames, (150, 100, *FIGURE), "visible")
    side = tracker._search_side(tracker.state)
    scale = 255 / side  # crop px per image px
    centre = (150 + FIGURE[0] / 2 - 16 / scale, 100 + FIGURE[1] / 2)
    crops = tracker._search_crops(frames.infrared, "infrared", centre, [side, side])
    ncc = silhouette_ncc(template, crops, backend.origin, backend.stride, backend.cells)
    assert ncc.shape == (2, backend.cells, backend.cells)
    i, j = np.unravel_index(int(np.argmax(ncc[0])), ncc[0].shape)
    c = backend.cells // 2
    assert (i - c, j - c) in ((0, 2), (0, 1), (0, 3))
    assert ncc[0, i, j] > 0.6
    assert np.allclose(ncc[0], ncc[1])


def test_cross_mode_keeps_the_cue_only_where_it_passes_its_init_check():
    cfg = TrackerConfig(mode="cross", auto_align=False, heterologous_silhouette=0.15)
    hot = Tracker(CfogBackend(), cfg)
    hot.init(_scene(150), (150, 100, *FIGURE), "visible")
    assert set(hot.state.silhouette) == {"infrared"}
    cold = Tracker(CfogBackend(), cfg)  # a figure darker than its surroundings in IR: the cue's sign is wrong
    cold.init(_scene(150, hot=False), (150, 100, *FIGURE), "visible")
    assert cold.state.silhouette == {}
    off = Tracker(CfogBackend(), TrackerConfig(mode="cross", auto_align=False, heterologous_silhouette=0.0))
    off.init(_scene(150), (150, 100, *FIGURE), "visible")
    assert off.state.silhouette == {}
    # fused mode with both images searches homologous templates only: no cue
    fused = Tracker(CfogBackend(), TrackerConfig(mode="fused", auto_align=False, heterologous_silhouette=0.15))
    fused.init(_scene(150), (150, 100, *FIGURE), "visible")
    assert fused.state.silhouette == {}


def test_a_walk_over_a_still_background_is_tracked_with_the_cue():
    # The figure walks right over bands that stay (both weights track this easy scene; the benchmark's
    # walkers are where the cue pays, docs/TRACKER.md)
    def run(weight):
        tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", auto_align=False,
                                                       heterologous_silhouette=weight))
        tracker.init(_scene(100), (100, 100, *FIGURE), "visible")
        errors = []
        for t in range(1, 26):
            r = tracker.update(_scene(100 + 3 * t))
            errors.append(abs(r.box[0] - (100 + 3 * t)))
        return np.array(errors)
    assert run(0.0).max() < 6
    with_cue = run(0.15)
    assert with_cue.max() < 6, with_cue


def test_the_fields_are_checked():
    with pytest.raises(ConfigError, match="heterologous_silhouette"):
        TrackerConfig(heterologous_silhouette=1.5)
    with pytest.raises(ConfigError, match="heterologous_silhouette_min"):
        TrackerConfig(heterologous_silhouette_min=1.5)
    with pytest.raises(ConfigError, match="heterologous_silhouette_separation"):
        TrackerConfig(heterologous_silhouette_separation=-0.1)
