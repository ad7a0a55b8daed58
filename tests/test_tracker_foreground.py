"""tracker/foreground.py, TrackerConfig.heterologous_mask / homologous_mask: colour-weighted templates."""
import numpy as np
import pytest

from core.errors import ConfigError
from models.classic.cfog import CfogConfig, CfogMatcher
from tests.tracker_doubles import moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.foreground import foreground_probability, template_weights
from tracker.tracker import Tracker


def _striped_crop(size=96, target=(16, 40)):
    """Green and grey horizontal bands across the whole crop (a hedge and a kerb running on beyond the box) and
    a yellow target in the middle."""
    crop = np.zeros((size, size, 3), np.uint8)
    for y in range(size):
        crop[y] = (40, 140, 40) if (y // 12) % 2 == 0 else (128, 128, 128)
    tw, th = target
    x0, y0 = (size - tw) // 2, (size - th) // 2
    crop[y0:y0 + th, x0:x0 + tw] = (230, 210, 30)
    return crop, (x0, y0, tw, th)


def test_the_target_colour_scores_high_and_the_bands_that_run_on_score_low():
    crop, (x0, y0, tw, th) = _striped_crop()
    p = foreground_probability(crop, (tw + 8, th + 8), smooth=0)
    assert p.shape == crop.shape[:2] and p.dtype == np.float32
    assert p[y0 + 2:y0 + th - 2, x0 + 2:x0 + tw - 2].min() > 0.95
    assert p[:, :x0 - 4].max() < 0.5  # the bands beside the box: commoner in the ring than in the box
    assert 0.0 <= p.min() and p.max() <= 1.0


def test_grey_crops_and_a_box_with_no_ring():
    crop, (x0, y0, tw, th) = _striped_crop()
    grey = crop.mean(axis=2).astype(np.uint8)
    p = foreground_probability(grey, (tw + 8, th + 8), smooth=0)
    assert p[y0 + 2:y0 + th - 2, x0 + 2:x0 + tw - 2].min() > 0.95
    whole = foreground_probability(crop, (crop.shape[1] + 10, crop.shape[0] + 10))
    assert np.allclose(whole, 0.5)


def test_template_weights_mix_towards_one():
    crop, (_, _, tw, th) = _striped_crop()
    assert template_weights(crop, (tw, th), 0.0) is None
    p = foreground_probability(crop, (tw, th))
    w = template_weights(crop, (tw, th), 0.6)
    assert np.allclose(w, 0.4 + 0.6 * p)


def test_even_weights_give_the_plain_ncc_and_wrong_shapes_are_refused():
    rng = np.random.default_rng(3)
    image = (rng.random((80, 80)) * 255).astype(np.uint8)
    matcher = CfogMatcher(CfogConfig())
    box = (30.0, 25.0, 16.0, 20.0)
    plain = matcher.search_features(matcher.encode_template(image, box), matcher.features(image), 0, 0)
    even = matcher.search_features(matcher.encode_template(image, box, np.ones(image.shape, np.float32)),
                                   matcher.features(image), 0, 0)
    assert np.allclose(plain.response, even.response, atol=1e-4)
    assert even.box == pytest.approx(plain.box, abs=1e-3)
    with pytest.raises(ValueError, match="weights"):
        matcher.encode_template(image, box, np.ones((10, 10), np.float32))


def test_weights_move_the_match_to_the_weighted_part():
    # Two different textures side by side, the template cut across both: weighing one half finds where that
    # half's texture is repeated elsewhere.
    rng = np.random.default_rng(5)
    image = (rng.random((90, 120)) * 255).astype(np.uint8)
    image[10:40, 80:95] = image[50:80, 20:35]  # the template's left half again, beside other texture
    matcher = CfogMatcher(CfogConfig())
    box = (20.0, 50.0, 30.0, 30.0)
    weights = np.zeros(image.shape, np.float32)
    weights[50:80, 20:35] = 1.0
    weighted = matcher.encode_template(image, box, weights)
    feats = matcher.features(image)
    r = matcher.search_features(weighted, feats, 0, 0)
    # the template's own place still scores 1; the copy of its weighted half scores about as well
    assert r.response.max() == pytest.approx(1.0, abs=1e-3)
    assert r.response[10, 80] > 0.8  # (the copy's border sees other neighbours)
    plain = matcher.search_features(matcher.encode_template(image, box), feats, 0, 0)
    assert plain.response[10, 80] < r.response[10, 80] - 0.2


def _tracker(cfg):
    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(CfogBackend(), cfg)
    tracker.init(frames[0], gt[0], "visible")
    return tracker


def test_cross_mode_weighs_its_bare_box_template_only_when_asked():
    masked = _tracker(TrackerConfig(mode="cross", auto_align=False, heterologous_mask=1.0))
    template = masked.state.templates["infrared"][0]
    assert template.dense.weights is not None
    assert template.dense.weights.shape == template.dense.features.shape[1:]
    assert masked.state.banded["infrared"].dense.weights is None  # the band is matched evenly
    plain = _tracker(TrackerConfig(mode="cross", auto_align=False, heterologous_mask=0.0))
    assert plain.state.templates["infrared"][0].dense.weights is None


def test_fused_mode_with_both_images_is_weighed_by_homologous_mask_only():
    even = _tracker(TrackerConfig(mode="fused", heterologous_mask=1.0, homologous_mask=0.0))
    weighed = _tracker(TrackerConfig(mode="fused", heterologous_mask=0.0, homologous_mask=1.0,
                                     heterologous_mask_separation=0.0))
    for m in ("visible", "infrared"):
        template, source = weighed.state.templates[m]
        assert source == m
        assert even.state.templates[m][0].dense.weights is None
        assert template.dense.weights is not None
        assert template.dense.weights.shape == template.dense.features.shape[1:]


def test_homologous_weights_keep_a_fused_track():
    frames, gt = moving_target_scene(n=12)
    for cfg in (TrackerConfig(mode="fused", homologous_mask=0.0), TrackerConfig(mode="fused", homologous_mask=1.0)):
        tracker = Tracker(CfogBackend(), cfg)
        tracker.init(frames[0], gt[0], "visible")
        results = [tracker.update(f) for f in frames[1:]]
        err = np.hypot(*(np.array([r.box[:2] for r in results]) - gt[1:, :2]).T)
        assert err.max() < 4, cfg.homologous_mask


def test_the_strength_is_checked():
    with pytest.raises(ConfigError, match="heterologous_mask"):
        TrackerConfig(heterologous_mask=1.5)
    with pytest.raises(ConfigError, match="homologous_mask"):
        TrackerConfig(homologous_mask=-0.5)


def test_weighted_ncc_against_a_direct_sum():
    import cv2

    from models.classic.dense import weighted_ncc

    rng = np.random.default_rng(7)
    image = rng.random((40, 44)).astype(np.float32)
    templ = rng.random((15, 9)).astype(np.float32)
    weights = rng.random((15, 9)).astype(np.float32)
    ours = weighted_ncc(image, templ, weights)
    w = weights.astype(float) ** 2
    t = templ - (w * templ).sum() / w.sum()
    direct = np.zeros(ours.shape)
    for y in range(ours.shape[0]):
        for x in range(ours.shape[1]):
            s = image[y:y + 15, x:x + 9].astype(float)
            s = s - (w * s).sum() / w.sum()
            direct[y, x] = (w * t * s).sum() / np.sqrt((w * t * t).sum() * (w * s * s).sum())
    assert np.abs(ours - direct).max() < 1e-5
    # OpenCV's masked NCC is the same quantity, to its float32 precision
    theirs = cv2.matchTemplate(image, templ, cv2.TM_CCOEFF_NORMED, mask=weights)
    assert np.abs(theirs - direct).max() < 2e-2
    # a flat image scores 0 everywhere rather than 0/0; zero weights too
    assert not weighted_ncc(np.ones((30, 30), np.float32), templ, weights).any()
    assert not weighted_ncc(image, templ, np.zeros_like(weights)).any()


def test_separation_tells_an_object_from_a_patch_of_scene():
    from tracker.foreground import separation

    crop, (_, _, tw, th) = _striped_crop()
    obj = separation(foreground_probability(crop, (tw + 8, th + 8), smooth=0), (tw + 8, th + 8))
    assert obj > 0.3
    # a texture of a few colours spread evenly, no object: the box holds the colours of its ring
    rng = np.random.default_rng(0)
    palette = np.array([(40, 140, 40), (128, 128, 128), (90, 60, 30), (200, 200, 220)], np.uint8)
    scene = palette[rng.integers(0, len(palette), (96, 96))]
    patch = separation(foreground_probability(scene, (24, 40), smooth=0), (24, 40))
    assert abs(patch) < 0.1
    assert separation(np.full((20, 20), 0.7, np.float32), (30, 30)) == 0.0


def test_the_strength_follows_the_separation():
    from tracker.foreground import separation

    crop, (_, _, tw, th) = _striped_crop()
    target = (tw + 8, th + 8)
    sep = separation(foreground_probability(crop, target, smooth=0), target)
    p = foreground_probability(crop, target)
    assert np.allclose(template_weights(crop, target, 1.0, full_at=sep / 2), p)  # above the bar: full strength
    k = sep / 1.0
    assert np.allclose(template_weights(crop, target, 1.0, full_at=1.0), (1 - k) + k * p, atol=1e-6)
    flat = np.full((64, 64, 3), 90, np.uint8)
    assert template_weights(flat, (20, 20), 1.0, full_at=0.3) is None  # nothing to tell apart: even weights
    with pytest.raises(ConfigError, match="heterologous_mask_separation"):
        TrackerConfig(heterologous_mask_separation=-0.1)
