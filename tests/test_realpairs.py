"""Real-pair sequence maker: exact ground truth, determinism, photometry, absence, I/O and errors."""
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.config import config_from_mapping
from core.errors import ConfigError, InputError
from core.geometry import box_center, iou
from streams.groundtruth import read_boxes
from streams.imageio import read_infrared, read_visible
from synth.boxes import gradient_magnitude, structure_score
from synth.camera_path import output_size, visible_fraction
from synth.realpairs import (
    RealPairConfig, make_real_sequence, pick_target_box, pick_target_boxes, plan_real_sequence,
    sequence_seed, write_pair_sequence, write_real_sequence, write_real_sequences,
)

BOX = (108.0, 76.0, 24.0, 20.0)
SMALL = dict(frames=16, out_size=(160, 128))


def still_pair(w=240, h=180, box=BOX, seed=0):
    """Dark rectangles on a dark smooth background in both modalities, and a bright marker square at ``box``."""
    rng = np.random.default_rng(seed)
    vis = cv2.GaussianBlur(rng.uniform(20, 60, (h, w, 3)).astype(np.float32), (0, 0), 2)
    ir = cv2.GaussianBlur(rng.uniform(15, 50, (h, w)).astype(np.float32), (0, 0), 3)
    for _ in range(40):
        x0, y0 = rng.integers(0, w - 8), rng.integers(0, h - 8)
        x1, y1 = x0 + rng.integers(6, 40), y0 + rng.integers(6, 40)
        vis[y0:y1, x0:x1] = rng.uniform(10, 80, 3)
        ir[y0:y1, x0:x1] = rng.uniform(10, 70)
    vis, ir = vis.astype(np.uint8), ir.astype(np.uint8)
    x, y, bw, bh = (int(v) for v in box)
    vis[y:y + bh, x:x + bw] = 255
    ir[y:y + bh, x:x + bw] = 250
    return vis, ir


def marker(image):
    """Otsu mask of the bright marker: (centroid, area)."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    _, mask = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5]), len(xs)


def cfg_(**kw):
    return config_from_mapping(RealPairConfig, {**SMALL, **kw})


def test_config_loads_from_mapping_and_rejects_bad_keys():
    cfg = config_from_mapping(RealPairConfig, {"frames": 5, "out_size": [64, 48], "zoom": 0})
    assert cfg.out_size == (64, 48) and cfg.zoom == 0.0
    with pytest.raises(ConfigError, match="unknown key 'zom'"):
        config_from_mapping(RealPairConfig, {"zom": 0.1})
    with pytest.raises(ConfigError, match="zoom"):
        config_from_mapping(RealPairConfig, {"zoom": 2.0})
    with pytest.raises(ConfigError, match="out_size"):
        config_from_mapping(RealPairConfig, {"out_size": [8, 8]})
    with pytest.raises(ConfigError, match="border"):
        config_from_mapping(RealPairConfig, {"border": "wrap"})


def test_same_seed_same_sequence_other_seed_other_path():
    vis, ir = still_pair()
    a = list(make_real_sequence(vis, ir, BOX, cfg_(seed=3)))
    b = list(make_real_sequence(vis, ir, BOX, cfg_(seed=3)))
    c = list(make_real_sequence(vis, ir, BOX, cfg_(seed=4)))
    for (fa, ga), (fb, gb) in zip(a, b):
        assert np.array_equal(fa.visible, fb.visible) and np.array_equal(fa.infrared, fb.infrared)
        assert np.array_equal(ga, gb)
    assert not np.allclose(np.stack([g for _, g in a]), np.stack([g for _, g in c]))


def test_marker_lands_in_the_gt_box_in_every_frame_of_both_modalities():
    vis, ir = still_pair()
    cfg = cfg_(frames=24, blur_prob=0.3, seed=1)
    frames = list(make_real_sequence(vis, ir, BOX, cfg))
    assert len(frames) == 24
    blurred = [p.blur_length > 0 for p in plan_real_sequence((240, 180), BOX, cfg)[1]]
    assert any(blurred), "the test should cover blurred frames"
    for frame, gt in frames:
        assert frame.visible.shape == (128, 160, 3) and frame.infrared.shape == (128, 160)
        assert frame.visible.dtype == np.uint8 and frame.infrared.dtype == np.uint8
        x, y, w, h = gt
        for image in (frame.visible, frame.infrared):
            centre, area = marker(image)
            assert x <= centre[0] <= x + w and y <= centre[1] <= y + h
            assert np.hypot(*(centre - box_center(gt)[0])) < 1.0
            assert area == pytest.approx(w * h, rel=0.2)


def test_gt_follows_the_transform_and_the_documented_rule():
    cfg = cfg_(frames=30, seed=5)
    geometry, _ = plan_real_sequence((240, 180), BOX, cfg)
    centre = np.array([BOX[0] + BOX[2] / 2, BOX[1] + BOX[3] / 2])
    zooms = np.array([g.zoom for g in geometry])
    angles = np.array([g.angle_deg for g in geometry])
    assert zooms.min() >= 0.7 - 1e-9 and zooms.max() <= 1.3 + 1e-9 and np.ptp(zooms) > 0.3
    assert np.abs(angles).max() == pytest.approx(cfg.rotation_deg)
    for g in geometry:
        lin = g.matrix[:, :2]
        assert np.allclose(lin @ lin.T, np.eye(2) * g.scale ** 2)  # a similarity
        assert np.allclose(box_center(g.box)[0], lin @ centre + g.matrix[:, 2])
        assert np.allclose(g.box[2:], np.array(BOX[2:]) * g.scale)
    centres = np.array([box_center(g.box)[0] for g in geometry])
    assert np.ptp(centres[:, 0]) > 10 or np.ptp(centres[:, 1]) > 10, "the target should drift across the frame"


def test_photometric_settings_never_move_the_ground_truth():
    vis, ir = still_pair()
    plain = cfg_(gain_drift=0.0, offset_drift=0.0, colour_drift=0.0, blur_prob=0.0, noise_visible=0.0,
                 noise_infrared=0.0)
    heavy = cfg_(gain_drift=0.5, offset_drift=60.0, colour_drift=0.2, blur_prob=1.0, blur_max_px=15.0,
                 noise_visible=10.0, noise_infrared=10.0)
    a, b = list(make_real_sequence(vis, ir, BOX, plain)), list(make_real_sequence(vis, ir, BOX, heavy))
    assert np.array_equal(np.stack([g for _, g in a]), np.stack([g for _, g in b]))
    assert not np.array_equal(a[3][0].visible, b[3][0].visible)
    assert not np.array_equal(a[3][0].infrared, b[3][0].infrared)
    ga, gb = plan_real_sequence((240, 180), BOX, plain)[0], plan_real_sequence((240, 180), BOX, heavy)[0]
    assert all(np.array_equal(x.matrix, y.matrix) for x, y in zip(ga, gb))


def test_brightness_drifts_independently_per_modality():
    cfg = cfg_(frames=40, seed=2)
    photo = plan_real_sequence((240, 180), BOX, cfg)[1]
    v = np.array([np.mean(p.visible_gain) for p in photo])
    i = np.array([p.infrared_gain for p in photo])
    assert np.ptp(v) > 0.1 and np.ptp(i) > 0.1
    assert abs(np.corrcoef(v, i)[0, 1]) < 0.99
    assert np.all(np.abs(np.diff(i)) < 0.1), "drift should be slow"


def test_window_stays_on_the_still_for_a_central_target():
    cfg = cfg_(frames=40, seed=7, shake_px=0.0)
    geometry, _ = plan_real_sequence((400, 300), (185, 140, 30, 20), cfg)
    corners = np.array([[0, 0], [160, 0], [0, 128], [160, 128]], dtype=np.float64)
    for g in geometry:
        lin, t = g.matrix[:, :2], g.matrix[:, 2]
        on_still = (np.linalg.inv(lin) @ (corners - t).T).T
        assert on_still.min() >= -0.5 and on_still[:, 0].max() <= 400.5 and on_still[:, 1].max() <= 300.5
        assert g.visible_fraction == pytest.approx(1.0)
        assert g.border_fraction((400, 300), (160, 128)) == 0.0


def test_target_leaving_the_frame_is_marked_absent(tmp_path):
    vis, ir = still_pair()
    cfg = cfg_(frames=60, pan=8.0, border="mean", seed=11, shake_px=0.0, noise_visible=0.0, noise_infrared=0.0)
    geometry, _ = plan_real_sequence((240, 180), BOX, cfg)
    present = np.array([g.present for g in geometry])
    assert present[0] and geometry[0].visible_fraction == pytest.approx(1.0), "frame 1 must show the whole target"
    assert (~present).sum() >= 3 and present.sum() >= 3
    frames = list(make_real_sequence(vis, ir, BOX, cfg))
    for (frame, gt), g in zip(frames, geometry):
        assert g.present == (visible_fraction(g.box, (160, 128)) >= 0.5)
        assert np.isnan(gt).all() != g.present
        area = g.box[2] * g.box[3]
        count = marker(frame.infrared)[1] if g.visible_fraction > 0.05 else 0
        if g.visible_fraction < 0.4:
            assert count < 0.5 * area
        elif g.visible_fraction > 0.6:
            assert count > 0.5 * area
    _write_still(tmp_path, "p", vis, ir)
    out = write_real_sequence(tmp_path / "visible/p.png", tmp_path / "infrared/p.png", BOX, cfg, tmp_path / "seq",
                              progress=False)
    lines = (out / "groundtruth.txt").read_text().splitlines()
    assert [line == "0,0,0,0" for line in lines] == list(~present)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["absent_frames"] == int((~present).sum())
    assert meta["mean_border_fraction"] > 0.1  # pan 8 takes the window far off the still
    assert {e["frame"] for e in meta["events"] if e["event"] == "absent"} == set(np.flatnonzero(~present) + 1)


def test_pick_target_box_is_mid_sized_and_structured_in_both():
    rng = np.random.default_rng(0)
    vis = np.full((200, 300, 3), 90, np.uint8)
    ir = np.full((200, 300), 60, np.uint8)
    vis[40:180, 20:280] = rng.integers(0, 255, (140, 260, 1), dtype=np.uint8)
    ir[40:180, 20:280] = rng.integers(0, 255, (140, 260), dtype=np.uint8)
    box = pick_target_box(vis, ir, np.random.default_rng(1))
    assert box == pick_target_box(vis, ir, np.random.default_rng(1))
    x, y, w, h = box
    assert 24 <= min(w, h) and max(w, h) <= 50
    assert 24 * 1.3 <= np.sqrt(w * h) <= 50 / 1.15
    assert min(x, y, 300 - x - w, 200 - y - h) >= max(w, h), "boxes away from the border come first"
    assert structure_score(gradient_magnitude(vis), box) >= 0.9
    assert structure_score(gradient_magnitude(ir), box) >= 0.9
    boxes = pick_target_boxes(vis, ir, np.random.default_rng(2), n=3)
    assert len(boxes) == 3
    for i in range(3):
        for j in range(i):
            assert iou(boxes[i], boxes[j])[0] < 0.2
    with pytest.raises(InputError, match="no box with structure"):
        pick_target_box(np.zeros_like(vis), np.zeros_like(ir), np.random.default_rng(0))


@pytest.mark.parametrize("box, message", [
    ((10, 10, 0, 5), "zero or negative size"),
    ((10, 10, 5, -5), "zero or negative size"),
    ((300, 10, 20, 20), "outside"),
    ((232, 10, 20, 20), "mostly outside"),
    ((float("nan"), 10, 20, 20), "non-finite"),
])
def test_bad_boxes_are_rejected(box, message):
    """Checked at the call, before any frame is rendered."""
    vis, ir = still_pair()
    with pytest.raises(InputError, match=message):
        make_real_sequence(vis, ir, box, cfg_(), where="--box")


def test_bad_image_arrays_are_rejected():
    vis, ir = still_pair()
    with pytest.raises(InputError, match="sizes differ"):
        make_real_sequence(vis, ir[:-1], BOX, cfg_())
    with pytest.raises(InputError, match="uint8"):
        make_real_sequence(vis.astype(np.float32), ir, BOX, cfg_())
    with pytest.raises(InputError, match="infrared"):
        make_real_sequence(vis, np.dstack([ir, ir, ir]), BOX, cfg_())


def _write_still(root, stem, vis, ir, ext=".png"):
    for sub in ("visible", "infrared"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(root / "visible" / f"{stem}{ext}"), cv2.cvtColor(vis, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(root / "infrared" / f"{stem}{ext}"), ir)


def test_write_real_sequence_writes_vot_layout_with_meta(tmp_path):
    vis, ir = still_pair()
    _write_still(tmp_path, "p", vis, ir)
    cfg = cfg_(frames=10, seed=9)
    out = write_real_sequence(tmp_path / "visible/p.png", tmp_path / "infrared/p.png", BOX, cfg,
                              tmp_path / "seq", progress=False)
    expected = np.stack([g for _, g in make_real_sequence(vis, ir, BOX, cfg)])
    np.testing.assert_allclose(read_boxes(out / "groundtruth.txt"), expected, atol=0.006)
    assert (out / "sequence").read_text().startswith("channels.color=color/%08d.jpg")
    assert read_visible(out / "color/00000010.jpg").shape == (128, 160, 3)
    assert read_infrared(out / "ir/00000010.jpg").shape == (128, 160)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["source"]["visible"].endswith("p.png") and meta["source"]["size"] == [240, 180]
    assert meta["box"] == list(BOX) and meta["box_source"] == "given"
    assert config_from_mapping(RealPairConfig, meta["config"]) == cfg
    f = meta["frames"][4]
    centre = np.array(f["matrix"])[:, :2] @ [120.0, 86.0] + np.array(f["matrix"])[:, 2]
    np.testing.assert_allclose(centre, box_center(expected[4])[0], atol=1e-3)
    # Rewriting a shorter sequence into the same folder leaves no stale frames.
    write_real_sequence(tmp_path / "visible/p.png", tmp_path / "infrared/p.png", None, replace(cfg, frames=4),
                        out, progress=False)
    assert len(list((out / "color").iterdir())) == 4 and len(read_boxes(out / "groundtruth.txt")) == 4
    assert json.loads((out / "meta.json").read_text())["box_source"] == "picked"


def test_write_real_sequences_one_folder_per_pair_and_box(tmp_path):
    pairs = tmp_path / "pairs"
    for k, stem in enumerate(["a", "b"]):
        vis, ir = still_pair(seed=k)
        _write_still(pairs, stem, vis, ir, ext=".jpg")
    cfg = cfg_(frames=5, seed=1)
    both = write_real_sequences(pairs, ["a", "b"], tmp_path / "out", cfg, boxes_per_pair=2, progress=False)
    assert [p.name for p in both] == ["a_b1", "a_b2", "b_b1", "b_b2"]
    assert (tmp_path / "out/list.txt").read_text().split() == ["a_b1", "a_b2", "b_b1", "b_b2"]
    meta = json.loads((tmp_path / "out/b_b2/meta.json").read_text())
    assert meta["stem"] == "b" and meta["box_index"] == 1 and meta["base_seed"] == 1
    assert meta["config"]["seed"] == sequence_seed(1, "b", 1)
    # A sequence depends on its stem and seed only, not on the other names in the list.
    alone = write_real_sequences(pairs, ["b"], tmp_path / "alone", cfg, progress=False)
    single = write_real_sequences(pairs, ["a", "b"], tmp_path / "single", cfg, progress=False)
    assert [p.name for p in alone] == ["b"]
    assert (alone[0] / "groundtruth.txt").read_text() == (single[1] / "groundtruth.txt").read_text()
    # ... and --name STEM writes the same sequence as a list holding STEM.
    one = write_pair_sequence(pairs, "b", tmp_path / "one", cfg, progress=False)
    assert (one / "groundtruth.txt").read_text() == (alone[0] / "groundtruth.txt").read_text()
    with pytest.raises(InputError, match="no pair named 'c'"):
        write_real_sequences(pairs, ["a", "c"], tmp_path / "bad", cfg, progress=False)
    assert not (tmp_path / "bad" / "a").exists(), "nothing is written when a stem is unknown"


def test_out_size_zero_means_still_size():
    cfg = cfg_(out_size=(0, 0))
    assert output_size(cfg, (240, 180)) == (240, 180)
    vis, ir = still_pair()
    frame, _ = next(make_real_sequence(vis, ir, BOX, cfg))
    assert frame.visible.shape == (180, 240, 3)


@pytest.mark.realdata
def test_real_pair_gt_patch_matches_the_still(roadscene):
    vis = read_visible(roadscene / "visible/FLIR_00006.jpg")
    ir = read_infrared(roadscene / "infrared/FLIR_00006.jpg")
    box = pick_target_box(vis, ir, np.random.default_rng(0))
    cfg = config_from_mapping(RealPairConfig, {"frames": 20, "seed": 2, "gain_drift": 0.0, "offset_drift": 0.0,
                                               "colour_drift": 0.0, "blur_prob": 0.0, "noise_visible": 0.0,
                                               "noise_infrared": 0.0})
    x, y, w, h = box
    template = ir[y:y + h, x:x + w].astype(np.float32)

    def ncc(frame, gt):
        gx, gy, gw, gh = (int(round(v)) for v in gt)
        patch = cv2.resize(frame[gy:gy + gh, gx:gx + gw], (w, h)).astype(np.float32)
        a, b = patch - patch.mean(), template - template.mean()
        return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

    good, shifted = [], []
    for frame, gt in make_real_sequence(vis, ir, box, cfg):
        assert frame.visible.shape == (256, 320, 3)
        good.append(ncc(frame.infrared, gt))
        shifted.append(ncc(frame.infrared, gt + np.array([gt[2] / 2, gt[3] / 2, 0, 0])))
    assert min(good) > 0.8
    assert np.mean(good) > np.mean(shifted) + 0.3


def test_first_frame_always_shows_the_whole_target():
    for seed in range(25):
        cfg = cfg_(frames=8, pan=5.0, shake_px=3.0, rotation_deg=10.0, seed=seed)
        first = plan_real_sequence((240, 180), BOX, cfg)[0][0]
        assert first.visible_fraction == pytest.approx(1.0), seed


def test_a_still_camera_over_the_whole_still_reproduces_it_exactly():
    vis, ir = still_pair()
    cfg = cfg_(out_size=(0, 0), scale=1.0, zoom=0.0, rotation_deg=0.0, shake_px=0.0, pan=0.0, gain_drift=0.0,
               offset_drift=0.0, colour_drift=0.0, blur_prob=0.0, noise_visible=0.0, noise_infrared=0.0, frames=3)
    for (frame, gt), g in zip(make_real_sequence(vis, ir, BOX, cfg), plan_real_sequence((240, 180), BOX, cfg)[0]):
        np.testing.assert_allclose(g.matrix, [[1, 0, 0], [0, 1, 0]], atol=1e-9)
        assert np.array_equal(frame.visible, vis) and np.array_equal(frame.infrared, ir)
        np.testing.assert_allclose(gt, BOX)
        assert g.border_fraction((240, 180), (240, 180)) == 0.0
