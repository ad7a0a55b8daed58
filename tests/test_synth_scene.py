"""The synthetic visible/IR scene generator (synth.scene): determinism, ground truth, events, layout."""
import json

import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import map_box
from synth.scene import PRESETS, SceneConfig, generate_scene, ir_homography, scene_config, write_scene

REQUIRED_PRESETS = {"demo", "day", "dusk", "night", "crossover", "dropout", "misaligned", "leave-reenter"}


def small(preset: str = "demo", **overrides) -> SceneConfig:
    """A tiny, fast version of a preset."""
    values = dict(width=160, height=128, frames=12, fps=10.0, n_people=2, n_vehicles=1, camera_pan=4.0,
                  camera_shake=0.3)
    values.update(overrides)
    return scene_config(preset, values)


def frames_of(cfg: SceneConfig) -> list:
    return list(generate_scene(cfg))


def test_same_config_gives_byte_identical_frames_and_another_seed_differs():
    cfg = small(frames=6)
    a, b = frames_of(cfg), frames_of(cfg)
    for fa, fb in zip(a, b):
        assert fa.frame.visible.tobytes() == fb.frame.visible.tobytes()
        assert fa.frame.infrared.tobytes() == fb.frame.infrared.tobytes()
        np.testing.assert_array_equal(fa.box_visible, fb.box_visible)
        assert fa.events == fb.events
    c = frames_of(small(frames=6, seed=cfg.seed + 1))
    assert any(fa.frame.visible.tobytes() != fc.frame.visible.tobytes() for fa, fc in zip(a, c))


def test_frames_boxes_and_events_are_well_formed():
    cfg = small()
    items = frames_of(cfg)
    assert len(items) == cfg.frames
    for i, item in enumerate(items):
        f = item.frame
        assert f.index == i and f.t_visible == f.t_infrared == pytest.approx(i / cfg.fps)
        assert f.visible.shape == (128, 160, 3) and f.visible.dtype == np.uint8
        assert f.infrared.shape == (128, 160) and f.infrared.dtype == np.uint8
        assert item.box_visible.shape == (4,) and item.box_infrared.shape == (4,)
        ev = item.events
        for key in ("occlusion", "out_of_view", "crossover", "dropout_visible", "dropout_infrared", "in_frame",
                    "visible_fraction", "camera"):
            assert key in ev
        json.dumps(ev)  # JSON-ready
        if ev["out_of_view"]:
            assert np.isnan(item.box_visible).all()
        else:
            x, y, w, h = item.box_visible
            assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 160 + 1e-9 and y + h <= 128 + 1e-9
    first = items[0]
    assert np.isfinite(first.box_visible).all() and first.events["in_frame"] == 1.0
    assert first.events["occlusion"] < 0.2
    x, y, w, h = first.box_visible
    assert h > w  # a standing person


def test_target_passes_behind_the_occluder_when_planned():
    cfg = small(frames=40, occlusion="pillar", occlusion_at=0.5, n_distractors=0)
    items = frames_of(cfg)
    occ = [it.events["occlusion"] for it in items]
    assert max(occ[17:24]) > 0.6
    assert occ[0] < 0.2


def test_target_leaves_the_frame_and_comes_back():
    items = frames_of(small("leave-reenter", frames=40))
    out = [it.events["out_of_view"] for it in items]
    assert not out[0] and not out[-1]
    assert any(out)
    first_out = out.index(True)
    assert all(np.isnan(it.box_visible).all() for it, o in zip(items, out) if o)
    assert not all(out[first_out:])  # it re-enters


def _contrast(ir: np.ndarray, box: np.ndarray) -> float:
    """|torso - flanks|: the target's middle against the image beside it at the same rows (the street's
    bands run horizontally, so the flanks show what lies behind the target)."""
    x, y, w, h = box
    rows = slice(int(y + 0.3 * h), int(y + 0.6 * h) + 1)
    inner = ir[rows, int(x + 0.35 * w):int(x + 0.65 * w) + 1].astype(float)
    left = ir[rows, max(int(x - 1.2 * w), 0):max(int(x - 0.3 * w), 1)].astype(float)
    right = ir[rows, int(x + 1.3 * w):int(x + 2.2 * w) + 1].astype(float)
    flanks = np.concatenate([left.ravel(), right.ravel()])
    return abs(float(inner.mean()) - float(flanks.mean()))


def test_thermal_contrast_of_the_target_collapses_during_crossover():
    cfg = small(frames=30, crossover=(0.4, 0.95), crossover_strength=1.0, occlusion="none", n_distractors=0,
                n_people=0, n_vehicles=0, thermal_noise=0.0, fixed_pattern=0.0, lighting="night")
    items = frames_of(cfg)
    inside = [_contrast(it.frame.infrared, it.box_visible) for it in items if it.events["crossover_weight"] > 0.95]
    outside = [_contrast(it.frame.infrared, it.box_visible) for it in items if it.events["crossover_weight"] == 0]
    assert inside and outside
    assert all(it.events["crossover"] for it in items if it.events["crossover_weight"] > 0)
    assert np.mean(inside) < 0.3 * np.mean(outside)


def test_dropouts_appear_as_specified_and_are_recorded():
    cfg = small(frames=20, dropouts=("visible:missing:0.25:0.35", "visible:black:0.5:0.6",
                                     "infrared:frozen:0.7:0.9"))
    items = frames_of(cfg)
    for it in items:
        i = it.frame.index
        kind_v = "missing" if 5 <= i < 7 else "black" if 10 <= i < 12 else None
        kind_i = "frozen" if 14 <= i < 18 else None
        assert it.events["dropout_visible"] == kind_v and it.events["dropout_infrared"] == kind_i
        if kind_v == "missing":
            assert it.frame.visible is None
        elif kind_v == "black":
            assert it.frame.visible is not None and not it.frame.visible.any()
        else:
            assert it.frame.visible.any()
        if kind_i == "frozen":
            np.testing.assert_array_equal(it.frame.infrared, items[13].frame.infrared)
    assert not np.array_equal(items[13].frame.infrared, items[12].frame.infrared)  # the live stream moves


def test_misaligned_ir_box_follows_the_homography():
    cfg = small(frames=8, ir_shift=(12.0, -7.0), ir_scale=1.05, occlusion="none", n_distractors=0, lighting="night")
    hom = ir_homography(cfg)
    assert hom is not None and ir_homography(small()) is None
    items = frames_of(cfg)
    checked = 0
    for it in items:
        bv, bi = it.box_visible, it.box_infrared
        expected = map_box(hom, bv)[0]
        if np.isfinite(bv).all() and np.all(expected[:2] > 0) and expected[0] + expected[2] < 160 \
                and expected[1] + expected[3] < 128:
            np.testing.assert_allclose(bi, expected, atol=1e-6)
            assert not np.allclose(bi, bv)
            checked += 1
    assert checked >= 4
    # the IR image really moved: the hot target is inside the IR box, not at the visible box
    it = items[0]

    def mean_in(box):
        x, y, w, h = (int(round(v)) for v in box)
        return float(it.frame.infrared[y:y + h, x:x + w].mean())

    assert mean_in(it.box_infrared) > mean_in(it.box_visible) + 5
    rot = frames_of(small(frames=3, ir_rotation=3.0, ir_perspective=0.05, occlusion="none"))
    assert not np.allclose(rot[0].box_infrared, rot[0].box_visible)


def test_black_hot_is_the_exact_inverse_of_white_hot():
    white = frames_of(small(frames=4))
    black = frames_of(small(frames=4, polarity="black-hot"))
    for w, b in zip(white, black):
        np.testing.assert_array_equal(b.frame.infrared, 255 - w.frame.infrared)
        np.testing.assert_array_equal(b.frame.visible, w.frame.visible)


def test_people_are_warmer_than_their_surroundings_in_white_hot():
    it = frames_of(small(frames=1, lighting="night", occlusion="none"))[0]
    assert _contrast(it.frame.infrared, it.box_visible) > 20
    x, y, w, h = it.box_visible
    core = it.frame.infrared[int(y + 0.3 * h):int(y + 0.7 * h), int(x + 0.3 * w):int(x + 0.7 * w) + 1]
    assert core.mean() > it.frame.infrared.mean()


def test_vehicle_target_has_a_wide_box():
    it = frames_of(small("day", frames=2))[0]
    _, _, w, h = it.box_visible
    assert w > 1.8 * h


def test_write_scene_produces_the_vot_layout(tmp_path):
    cfg = small(frames=5)
    out = write_scene(cfg, tmp_path / "seq", progress=False)
    assert sorted(p.name for p in (out / "color").iterdir()) == [f"{i:08d}.jpg" for i in range(1, 6)]
    assert len(list((out / "ir").iterdir())) == 5
    assert len((out / "groundtruth.txt").read_text().splitlines()) == 5
    assert "channels.ir=ir/%08d.jpg" in (out / "sequence").read_text()
    meta = json.loads((out / "meta.json").read_text())
    assert len(meta["frames"]) == 5 and meta["frames"][0]["index"] == 0
    assert scene_config("demo", meta["config"]) == cfg
    assert not (out / "ir_groundtruth.txt").exists()
    # misaligned: IR ground truth and the homography are written too; a shorter rerun leaves no stale frames
    mis = small(frames=3, ir_shift=(5.0, 3.0))
    write_scene(mis, out, progress=False)
    assert len(list((out / "color").iterdir())) == 3
    assert len((out / "ir_groundtruth.txt").read_text().splitlines()) == 3
    meta = json.loads((out / "meta.json").read_text())
    np.testing.assert_allclose(meta["homography_visible_to_infrared"], ir_homography(mis), atol=1e-9)


def test_presets_exist_and_render():
    assert REQUIRED_PRESETS <= set(PRESETS)
    for name in PRESETS:
        item = next(generate_scene(small(name, frames=30)))
        assert item.frame.index == 0 and np.isfinite(item.box_visible).all(), name


@pytest.mark.parametrize("overrides, message", [
    ({"colour": "red"}, "unknown key 'colour'"),
    ({"lighting": "noon"}, "lighting: 'noon' is not one of day, dusk, night"),
    ({"dropouts": ["visible:grey:0.1:0.2"]}, "kind must be one of missing, black, frozen"),
    ({"out_of_view": [0.4, 0.6], "occlusion_at": 0.5}, "occlusion_at: 0.5 falls in the out_of_view window"),
    ({"crossover": [0.7, 0.2]}, "crossover: need 0 <= start < end <= 1"),
    ({"width": 20}, "width: must be an integer from 64 to 4096"),
])
def test_bad_config_gives_a_clear_error(overrides, message):
    with pytest.raises(ConfigError, match="scene config: ") as err:
        scene_config("demo", overrides)
    assert message in str(err.value)


def test_unknown_preset_and_impossible_camera_motion_are_config_errors():
    with pytest.raises(ConfigError, match="preset: unknown preset 'noon'"):
        scene_config("noon")
    with pytest.raises(ConfigError, match="camera_pan"):
        generate_scene(small(camera_pan=200.0))
