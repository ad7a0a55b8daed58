"""Hand-crafted matchers (models/classic): homologous exactness, cross-modal robustness, CFOG, SIFT."""
import ast
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.config import config_from_mapping
from core.errors import ConfigError
from core.geometry import iou
from models.classic import CLASSIC_MATCHERS, CfogConfig, CfogMatcher, NccMatcher, SiftMatcher, cfog_descriptor
from models.classic.base import MatchResult, TemplateMatcher

CLASSIC_DIR = Path(__file__).resolve().parents[1] / "models" / "classic"


def shapes_scene(h: int = 120, w: int = 160, seed: int = 0, n_shapes: int = 18) -> np.ndarray:
    """A grey uint8 scene: smooth shaded background, random rectangles and discs, fine texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = 90 + 30 * np.sin(xx / 37.0) + 20 * np.cos(yy / 23.0)
    for _ in range(n_shapes):
        value = float(rng.uniform(0, 255))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        a, b = int(rng.integers(4, 16)), int(rng.integers(4, 16))
        if rng.random() < 0.5:
            cv2.rectangle(img, (cx - a, cy - b), (cx + a, cy + b), value, -1)
        else:
            cv2.ellipse(img, (cx, cy), (a, b), float(rng.uniform(0, 180)), 0, 360, value, -1)
    img += rng.normal(0, 4, img.shape).astype(np.float32)
    return np.clip(cv2.GaussianBlur(img, (0, 0), 0.8), 0, 255).astype(np.uint8)


def cross_modal(grey: np.ndarray, seed: int = 1) -> np.ndarray:
    """A synthetic "infrared" view: inverted polarity, a non-linear response, a gain ramp and noise."""
    rng = np.random.default_rng(seed)
    inv = ((255.0 - grey) / 255.0) ** 1.6
    ramp = np.linspace(0.8, 1.1, grey.shape[1])[None, :]
    out = 255 * inv * ramp + rng.normal(0, 3, grey.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", sorted(CLASSIC_MATCHERS))
def test_each_baseline_finds_a_homologous_template_exactly(name):
    grey = shapes_scene(seed=3)
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    matcher = CLASSIC_MATCHERS[name]()
    assert isinstance(matcher, TemplateMatcher) and matcher.name == name
    for box, window in [((58, 40, 44, 36), (30, 15, 110, 90)), ((10, 70, 40, 40), (0, 40, 100, 80))]:
        result = matcher.match(rgb, box, grey, window)
        assert result.found
        np.testing.assert_allclose(result.box, box, atol=0.25)


@pytest.mark.parametrize("name", ["ncc", "grad-ncc", "cfog"])
def test_dense_matchers_keep_a_fractional_box_corner(name):
    grey = shapes_scene(seed=4)
    box = (50.4, 41.6, 40.0, 30.0)
    result = CLASSIC_MATCHERS[name]().match(grey, box, grey, (20.0, 10.0, 110.0, 95.0))
    np.testing.assert_allclose(result.box, box, atol=0.05)


def test_cfog_beats_intensity_ncc_on_inverted_polarity():
    vis_grey = shapes_scene(seed=5, n_shapes=24)
    vis = cv2.cvtColor(vis_grey, cv2.COLOR_GRAY2RGB)
    ir = cross_modal(vis_grey)
    rng = np.random.default_rng(0)
    ious = {"ncc": [], "cfog": []}
    for _ in range(12):
        w, h = (int(v) for v in rng.integers(24, 30, size=2))
        x, y = int(rng.integers(20, 160 - w - 20)), int(rng.integers(20, 120 - h - 20))
        window = (x - 18, y - 18, w + 36, h + 36)
        for name, matcher in (("ncc", NccMatcher()), ("cfog", CfogMatcher())):
            ious[name].append(iou(matcher.match(vis, (x, y, w, h), ir, window).box, (x, y, w, h))[0])
    assert np.mean(ious["cfog"]) > 0.8
    assert np.mean(ious["cfog"]) > np.mean(ious["ncc"]) + 0.3


def test_cfog_descriptor_shape_norm_and_polarity_invariance():
    grey = shapes_scene(seed=6)
    desc = cfog_descriptor(grey)
    assert desc.shape == (9, *grey.shape) and desc.dtype == np.float32
    norms = np.sqrt((desc ** 2).sum(axis=0))
    assert np.all(norms <= 1.0 + 1e-5) and np.median(norms) > 0.99
    np.testing.assert_allclose(cfog_descriptor(255 - grey), desc, atol=1e-5)
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    np.testing.assert_allclose(cfog_descriptor(rgb), desc, atol=1e-5)


def test_cfog_response_map_locates_the_peak():
    grey = shapes_scene(seed=7)
    box, window = (70, 50, 32, 26), (40, 25, 96, 80)
    matcher = CfogMatcher()
    template = matcher.encode_template(grey, box)
    result = matcher.search(template, grey, window)
    assert result.response.shape == (80 - 26 + 1, 96 - 32 + 1)
    i, j = np.unravel_index(np.argmax(result.response), result.response.shape)
    centre = (result.origin[0] + result.stride * j, result.origin[1] + result.stride * i)
    assert centre == pytest.approx((box[0] + box[2] / 2, box[1] + box[3] / 2), abs=1e-6)
    assert result.score == pytest.approx(float(result.response.max()))


def test_search_window_clipped_at_the_border_and_grown_when_small():
    grey = shapes_scene(seed=8)
    box = (0, 0, 30, 30)
    hanging = CfogMatcher().match(grey, box, grey, (-20, -20, 70, 70))
    np.testing.assert_allclose(hanging.box, box, atol=0.25)
    tight = NccMatcher().match(grey, (60, 40, 30, 30), grey, (65, 45, 20, 20))  # smaller than the template
    assert tight.found and tight.response.shape == (1, 1)
    with pytest.raises(ValueError, match="does not overlap"):
        NccMatcher().match(grey, box, grey, (500, 500, 40, 40))


def test_sift_reports_no_match_on_a_flat_image():
    flat = np.full((80, 80), 128, np.uint8)
    result = SiftMatcher().match(flat, (20, 20, 30, 30), flat, (5, 5, 70, 70))
    assert isinstance(result, MatchResult) and not result.found and np.isnan(result.score)


def test_cfog_config_is_frozen_and_rejects_bad_values():
    assert config_from_mapping(CfogConfig, {"n_orientations": 6}).n_orientations == 6
    with pytest.raises(ConfigError, match="bins"):
        config_from_mapping(CfogConfig, {"bins": 6})
    with pytest.raises(ConfigError, match="n_orientations"):
        config_from_mapping(CfogConfig, {"n_orientations": 1})
    assert CfogMatcher(CfogConfig(sigma=0.0)).margin == 1


def test_classic_package_never_imports_torch():
    for path in CLASSIC_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "torch" for n in names), f"{path.name} imports torch"


def _cfog_reference(image, config):
    """CFOG channel by channel in float64, as first written (the fast channels-last version must agree)."""
    from models.classic.base import to_grey

    grey = to_grey(image)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=1)
    angles = np.arange(config.n_orientations) * np.pi / config.n_orientations
    ch = np.abs(np.cos(angles)[:, None, None] * gx + np.sin(angles)[:, None, None] * gy).astype(np.float32)
    if config.sigma > 0:
        for c in range(len(ch)):
            ch[c] = cv2.GaussianBlur(ch[c], (0, 0), config.sigma, borderType=cv2.BORDER_REFLECT)
    if config.orientation_smoothing:
        ch = 0.25 * np.roll(ch, 1, axis=0) + 0.5 * ch + 0.25 * np.roll(ch, -1, axis=0)
    return (ch / (np.sqrt((ch ** 2).sum(axis=0, keepdims=True)) + config.eps)).astype(np.float32)


@pytest.mark.parametrize("config", [CfogConfig(), CfogConfig(sigma=0.5), CfogConfig(sigma=0.0),
                                    CfogConfig(n_orientations=4, orientation_smoothing=False),
                                    CfogConfig(n_orientations=2)])
def test_cfog_descriptor_matches_the_channel_by_channel_reference(config):
    grey = shapes_scene(70, 93, seed=5)
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    for image in (grey, rgb):
        fast = cfog_descriptor(image, config)
        assert fast.shape == (config.n_orientations, 70, 93) and fast.dtype == np.float32 and fast.flags.c_contiguous
        np.testing.assert_allclose(fast, _cfog_reference(image, config), atol=1e-6)
