"""Training pipeline: labels, losses, crops, augmentation, sampler, loop, checkpoints, resume."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from core.errors import CheckpointError, ConfigError, InputError
from training.augment import affine_about, geometric, map_points, random_affine, warp_affine
from training.batches import BatchStream, collate
from training.config import PRESETS, TrainConfig, override_config, parse_set, resolve_config
from training.data import DataSpec, build_training_data
from training.labels import IGNORE, NEGATIVE, POSITIVE, make_labels
from training.losses import LossWeights, balanced_logistic_loss, box_terms, combine, giou, score_terms
from training.metrics import COLUMNS, read_metrics
from training.optim import WarmupCosine
from training.sampler import PairSampler, crop_search, crop_template
from training.sources import RoadSceneSource, SyntheticPool, View, read_split
from training.state import list_checkpoints, read_train_state
from training.trainer import Trainer
from training.validation import build_val_set, evaluate, peak_boxes

from tests.training_doubles import ToyMatcher, toy_scene

REPO = Path(__file__).resolve().parents[1]
TRAIN_LIST = REPO / "assets" / "splits" / "roadscene_train.txt"
VAL_LIST = REPO / "assets" / "splits" / "roadscene_val.txt"

SMALL = dict(exemplar_size=63, instance_size=127, max_offset=32.0)  # quarter-cost crops for loop tests
QUIET = dict(gamma_range=(1.0, 1.0), contrast_range=(1.0, 1.0), blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0,
             ir_invert_prob=0.0)


pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_cfg(**changes) -> TrainConfig:
    return override_config(TrainConfig(), {**PRESETS["tiny"], **changes}, "test")


def blob_image(size: tuple[int, int], centre: tuple[float, float], sigma: float = 2.0, channels: int = 0) -> np.ndarray:
    """A Gaussian blob (peak 250) centred on a continuous-coordinate point, on black."""
    w, h = size
    xs, ys = np.arange(w) + 0.5, np.arange(h) + 0.5
    g = 250.0 * np.exp(-((xs[None] - centre[0]) ** 2 + (ys[:, None] - centre[1]) ** 2) / (2 * sigma ** 2))
    img = np.clip(g + 0.5, 0, 255).astype(np.uint8)
    return np.repeat(img[..., None], channels, axis=2) if channels else img


def centroid(image: np.ndarray) -> np.ndarray:
    """Intensity centroid in continuous coordinates (pixel i has centre i + 0.5)."""
    grey = image.astype(np.float64).mean(axis=2) if image.ndim == 3 else image.astype(np.float64)
    grey = np.where(grey > 20, grey, 0.0)
    ys, xs = np.mgrid[0:grey.shape[0], 0:grey.shape[1]]
    return np.array([(grey * (xs + 0.5)).sum(), (grey * (ys + 0.5)).sum()]) / grey.sum()


# ---------------------------------------------------------------------------------------------- config


def test_config_layers_and_rejects_unknown_keys(tmp_path):
    cfg, model = resolve_config("tiny", None, ["lr=0.01", "model.fusion=\"xcorr\"", "synthetic_presets=[\"day\"]"])
    assert cfg.steps == PRESETS["tiny"]["steps"] and cfg.lr == 0.01 and cfg.synthetic_presets == ("day",)
    assert model == {"fusion": "xcorr"}
    toml = tmp_path / "t.toml"
    toml.write_text("[train]\nbatch_size = 3\n[model]\nbackbone = 'resnet'\n")
    cfg, model = resolve_config("cpu", toml, [])
    assert cfg.batch_size == 3 and model == {"backbone": "resnet"}
    with pytest.raises(ConfigError, match="--set: unknown key 'lrr'"):
        resolve_config(None, None, ["lrr=1"])
    toml.write_text("[train]\nbatchsize = 3\n")
    with pytest.raises(ConfigError, match=r"t.toml \[train\]: unknown key 'batchsize'"):
        resolve_config(None, toml, [])
    with pytest.raises(ConfigError, match="negative_fraction"):
        resolve_config(None, None, ["negative_fraction=1.5"])
    with pytest.raises(ConfigError, match="--preset huge"):
        resolve_config("huge", None, [])
    assert parse_set(["name=plain words"])[0] == {"name": "plain words"}


def test_warmup_cosine_schedule():
    f = WarmupCosine(10, 110, 0.1)
    assert f(0) < f(5) < f(9) <= 1.0
    assert f(10) == pytest.approx(1.0)
    assert f(60) == pytest.approx(0.1 + 0.9 * 0.5)
    assert f(110) == pytest.approx(0.1) and f(500) == pytest.approx(0.1)


# ---------------------------------------------------------------------------------------------- labels


def test_labels_positive_cells_around_target_centre():
    origin, stride = 31.5, 8.0
    centre = torch.tensor([[origin + stride * 7, origin + stride * 5]])  # exactly on cell (row 5, col 7)
    labels = make_labels(centre, torch.tensor([False]), (17, 17), origin, stride, pos_radius=16.0)
    pos = torch.nonzero(labels[0, 0] == POSITIVE).tolist()
    expected = sorted([5 + di, 7 + dj] for di in range(-2, 3) for dj in range(-2, 3) if di * di + dj * dj <= 4)
    assert sorted(pos) == expected and len(pos) == 13
    assert int((labels == NEGATIVE).sum()) == 17 * 17 - 13
    # Off-grid centre: positives are the cells whose centres are within the radius, computed by hand.
    centre = torch.tensor([[100.0, 60.0]])
    labels = make_labels(centre, torch.tensor([False]), (9, 12), 3.5, 8.0, pos_radius=16.0, ignore_radius=24.0)
    for i in range(9):
        for j in range(12):
            d = math.hypot(3.5 + 8 * j - 100.0, 3.5 + 8 * i - 60.0)
            want = POSITIVE if d <= 16 else IGNORE if d <= 24 else NEGATIVE
            assert float(labels[0, 0, i, j]) == want, (i, j, d)


def test_labels_hard_negative_is_all_negative():
    centre = torch.tensor([[127.5, 127.5], [127.5, 127.5]])
    labels = make_labels(centre, torch.tensor([True, False]), (17, 17), 63.5, 8.0, 16.0, ignore_radius=30.0)
    assert torch.all(labels[0] == NEGATIVE)
    assert int((labels[1] == POSITIVE).sum()) == 13


# ---------------------------------------------------------------------------------------------- losses


def test_logistic_loss_is_class_balanced():
    labels = torch.full((2, 1, 10, 10), NEGATIVE)
    labels[0, 0, 4:6, 4:6] = POSITIVE  # 4 positives vs 196 negatives
    labels[1, 0, 0, 0] = IGNORE
    zero = torch.zeros_like(labels)
    assert float(balanced_logistic_loss(zero, labels)) == pytest.approx(math.log(2))
    # Positives perfectly classified: only the negatives' half remains, whatever their number.
    score = torch.where(labels == POSITIVE, torch.tensor(50.0), torch.tensor(0.0))
    assert float(balanced_logistic_loss(score, labels)) == pytest.approx(0.5 * math.log(2), rel=1e-6)
    score = torch.where(labels == POSITIVE, torch.tensor(0.0), torch.tensor(-50.0))
    assert float(balanced_logistic_loss(score, labels)) == pytest.approx(0.5 * math.log(2), rel=1e-6)
    # Ignored cells never count, however wrong.
    score2 = score.clone()
    score2[1, 0, 0, 0] = 100.0
    assert float(balanced_logistic_loss(score2, labels)) == pytest.approx(float(balanced_logistic_loss(score, labels)))
    # Summing per-direction terms equals the loss of the whole batch.
    split = combine(score_terms(score[:1], labels[:1]) + score_terms(score[1:], labels[1:]), LossWeights(1, 0, 0))
    assert float(split["cls"]) == pytest.approx(float(balanced_logistic_loss(score, labels)))
    # A batch of hard negatives only: all the weight on the negatives.
    negatives = torch.full((1, 1, 4, 4), NEGATIVE)
    assert float(balanced_logistic_loss(torch.zeros(1, 1, 4, 4), negatives)) == pytest.approx(math.log(2))


def test_giou_hand_cases():
    a = torch.tensor([[0.0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 4, 4], [1, 1, 3, 3], [0, 0, 2, 2]])
    b = torch.tensor([[0.0, 0, 2, 2], [2, 0, 3, 1], [1, 1, 3, 3], [0, 0, 2, 2], [3, 3, 5, 5]])
    want = [1.0, -1.0 / 3.0, 0.25, 1 / 7 - 2 / 9, 0 - (25 - 8) / 25]
    assert giou(a, b).tolist() == pytest.approx(want, abs=1e-6)
    # A degenerate prediction (right < left) has zero area, not a negative one.
    assert float(giou(torch.tensor([[2.0, 0, 0, 2]]), torch.tensor([[0.0, 0, 2, 2]]))) == pytest.approx(0.0, abs=1e-6)


def test_box_loss_at_positive_cells_only():
    labels = torch.full((1, 1, 3, 3), NEGATIVE)
    labels[0, 0, 1, 1] = POSITIVE
    target = torch.tensor([[10.0, 10.0, 30.0, 50.0]])
    boxes = torch.zeros(1, 4, 3, 3)
    boxes[0, :, 1, 1] = torch.tensor([10.0, 10.0, 30.0, 50.0])  # perfect at the positive cell
    terms = box_terms(boxes, target, labels, 255.0)
    assert terms.n_box == 1 and float(terms.l1_sum) == 0 and float(terms.giou_sum) == pytest.approx(0, abs=1e-6)
    boxes[0, :, 1, 1] = torch.tensor([12.0, 10.0, 30.0, 54.0])
    terms = box_terms(boxes, target, labels, 255.0)
    assert float(terms.l1_sum) == pytest.approx((2 + 4) / 4 / 255.0)
    inter, hull = 18 * 40, 20 * 44
    union = 18 * 44 + 20 * 40 - inter
    assert float(terms.giou_sum) == pytest.approx(1 - inter / union + (hull - union) / hull, abs=1e-6)


# ---------------------------------------------------------------------------------------------- crops


@pytest.mark.parametrize("offset,scale", [((0.0, 0.0), 1.0), ((40.5, -63.0), 1.1), ((-64.0, 17.25), 0.92)])
def test_search_crop_puts_target_where_the_label_says(offset, scale):
    cfg = TrainConfig()
    centre = (151.3, 97.8)
    img = blob_image((320, 240), centre, sigma=2.0, channels=3)
    view = View(img, (centre[0] - 20, centre[1] - 15, 40.0, 30.0), (0.0, 0.0, 0.0), "marker")
    crop, box, c = crop_search(view, cfg, offset, scale)
    assert crop.shape == (255, 255, 3)
    np.testing.assert_allclose(c, [127.5 + offset[0], 127.5 + offset[1]])
    np.testing.assert_allclose(box[:2] + box[2:] / 2, c, atol=1e-9)
    np.testing.assert_allclose(centroid(crop), c, atol=0.15)
    k = 255 / (math.sqrt((40 + 35) * (30 + 35)) * 255 / 127 * scale)  # context p = 0.5 * (w + h)
    np.testing.assert_allclose(box[2:], [40 * k, 30 * k])
    template = crop_template(dataclasses.replace(view, image=img[..., 0]), cfg)
    assert template.shape == (127, 127)
    np.testing.assert_allclose(centroid(template), [63.5, 63.5], atol=0.15)


def blob_centroids(image: np.ndarray) -> np.ndarray:
    """Intensity centroids of the separate blobs of a grey image."""
    n, lab = cv2.connectedComponents((image > 20).astype(np.uint8))
    out = []
    for k in range(1, n):
        patch = np.where(lab == k, image.astype(np.float64), 0.0)
        ys, xs = np.mgrid[0:image.shape[0], 0:image.shape[1]]
        out.append([(patch * (xs + 0.5)).sum() / patch.sum(), (patch * (ys + 0.5)).sum() / patch.sum()])
    return np.array(out)


def test_geometric_augmentation_keeps_ground_truth_exact():
    cfg = TrainConfig(rotate_max_deg=8.0, geom_scale_max=0.1, shear_max=0.08)
    rng = np.random.default_rng(3)
    box = np.array([90.3, 101.7, 61.0, 43.0])
    corners = np.array([[box[0], box[1]], [box[0] + box[2], box[1]], [box[0], box[1] + box[3]],
                        [box[0] + box[2], box[1] + box[3]]])
    centre = box[:2] + box[2:] / 2
    img = np.zeros((255, 255), np.uint8)
    for pt in [*corners, centre]:
        img = np.maximum(img, blob_image((255, 255), tuple(pt), sigma=1.5))
    for _ in range(4):
        warped, new_box, new_centre = geometric(img, box, centre, rng, cfg, 0.0)
        found = blob_centroids(warped)
        assert len(found) == 5
        mid = int(np.argmin(np.linalg.norm(found - new_centre, axis=1)))
        np.testing.assert_allclose(found[mid], new_centre, atol=0.12)  # the centre marker is where the label says
        ends = np.delete(found, mid, axis=0)  # the corner markers span the new box
        np.testing.assert_allclose([*ends.min(axis=0), *(ends.max(axis=0) - ends.min(axis=0))], new_box, atol=0.2)
        np.testing.assert_allclose(new_box[:2] + new_box[2:] / 2, new_centre, atol=1e-9)
        assert not np.allclose(new_box, box)


def test_photometric_augmentation_changes_pixels_not_geometry():
    from training.augment import PhotometricParams, invert, jpeg_roundtrip, photometric

    rng = np.random.default_rng(2)
    img = blob_image((127, 127), (60.3, 70.8), sigma=4.0, channels=3) // 2 + 40
    strong = PhotometricParams((0.6, 0.6), (1.3, 1.3), 1.0, 1.0, 1.0, 4.0, 1.0, 60)
    out = photometric(img, rng, strong)
    assert out.shape == img.shape and out.dtype == np.uint8 and not np.array_equal(out, img)
    np.testing.assert_allclose(centroid(out - out.min()), centroid(img - img.min()), atol=0.5)
    grey = img[..., 0]
    assert photometric(grey, rng, strong).shape == grey.shape
    assert jpeg_roundtrip(grey, 50).shape == grey.shape and jpeg_roundtrip(img, 50).shape == img.shape
    np.testing.assert_array_equal(invert(invert(grey)), grey)
    identity = PhotometricParams((1.0, 1.0), (1.0, 1.0), 0.0, 1.0, 0.0, 1.0, 0.0, 60)
    np.testing.assert_array_equal(photometric(img, rng, identity), img)


def test_affine_maps_markers_exactly():
    rng = np.random.default_rng(11)
    linear = random_affine(rng, 6.0, 0.08, 0.06)
    matrix = affine_about(linear, (127.5, 127.5))
    points = np.array([[60.25, 70.5], [190.0, 80.75], [128.0, 200.0]])
    img = np.zeros((255, 255), np.uint8)
    for pt in points:
        img = np.maximum(img, blob_image((255, 255), tuple(pt), sigma=1.5))
    warped = warp_affine(img, matrix, 0.0)
    for want in map_points(matrix, points):
        x0, y0 = int(want[0]) - 6, int(want[1]) - 6
        got = centroid(warped[y0:y0 + 13, x0:x0 + 13]) + [x0, y0]
        np.testing.assert_allclose(got, want, atol=0.12)


# ---------------------------------------------------------------------------------------------- sources, sampler


class MarkerSource:
    """One image per modality with a blob at the target centre; distractors from far away."""

    names = frozenset({"marker"})

    def __init__(self):
        self.centre = (160.4, 120.6)
        self.vis = blob_image((320, 240), self.centre, 2.0, channels=3)
        self.ir = blob_image((320, 240), self.centre, 2.0)

    def draw_pair(self, rng, t_mod, s_mod):
        box = (self.centre[0] - 18, self.centre[1] - 14, 36.0, 28.0)
        view = lambda m: View(self.vis if m == "visible" else self.ir, box, (0.0,) * (3 if m == "visible" else 1), "m:0")
        return view(t_mod), view(s_mod)

    def draw_distractor(self, rng, modality, search, window):
        img = self.vis if modality == "visible" else self.ir
        return View(img, (10.0, 10.0, 30.0, 30.0), (0.0,), "m:far")


def test_sampler_crops_and_labels_agree_with_planted_marker():
    cfg = tiny_cfg(geom_prob=1.0, negative_fraction=0.0, **QUIET)
    sampler = PairSampler([(MarkerSource(), 1.0)], cfg)
    rng = np.random.default_rng(0)
    for _ in range(6):
        s = sampler.sample(rng)
        np.testing.assert_allclose(centroid(s.search), s.center, atol=0.3)
        np.testing.assert_allclose(s.box[:2] + s.box[2:] / 2, s.center, atol=1e-9)
        np.testing.assert_allclose(centroid(s.template), [63.5, 63.5], atol=0.2)
        assert s.template.ndim == (3 if s.template_modality == "visible" else 2)
        assert s.search.ndim == (3 if s.search_modality == "visible" else 2)
    # The labels built from a batch put the positives on the marker.
    batch = collate(sampler.batch(rng, 4))
    for g in batch:
        labels = make_labels(g.center, g.negative, (17, 17), 63.5, 8.0, 16.0)
        for k in range(len(g)):
            pos = torch.nonzero(labels[k, 0] == POSITIVE).float()
            cells = torch.stack([63.5 + 8 * pos[:, 1], 63.5 + 8 * pos[:, 0]], dim=1)
            assert len(pos) > 0
            assert torch.all(torch.linalg.norm(cells - g.center[k], dim=1) <= 16.0)


def test_sampler_direction_mix_and_hard_negatives():
    cfg = tiny_cfg(mix_vis_to_ir=1.0, mix_ir_to_vis=1.0, mix_vis_to_vis=0.0, mix_ir_to_ir=0.0, negative_fraction=0.5)
    sampler = PairSampler([(MarkerSource(), 1.0)], cfg)
    samples = sampler.batch(np.random.default_rng(1), 60)
    directions = {s.direction for s in samples}
    assert directions == {"visible>infrared", "infrared>visible"}
    negatives = [s for s in samples if s.negative]
    assert 15 <= len(negatives) <= 45
    assert all(s.name.startswith("m:far>") for s in negatives)
    assert all(not s.name.startswith("m:far") for s in samples if not s.negative)
    groups = collate(samples)
    assert [g.template_modality + ">" + g.search_modality for g in groups] == ["visible>infrared", "infrared>visible"]
    assert groups[0].template.shape[1:] == (3, 127, 127) and groups[0].search.shape[1:] == (1, 255, 255)
    assert groups[0].template.dtype == torch.uint8


def test_sampler_refuses_validation_stems():
    class Leaky(MarkerSource):
        names = frozenset({"FLIR_00006", read_split(VAL_LIST)[0]})

    with pytest.raises(ConfigError, match="validation stem"):
        PairSampler([(Leaky(), 1.0)], tiny_cfg(), forbidden=frozenset(read_split(VAL_LIST)))


def test_committed_splits_are_disjoint():
    train, val = read_split(TRAIN_LIST), read_split(VAL_LIST)
    assert len(train) == 145 and len(val) == 36
    assert not set(train) & set(val)


def test_read_split_errors(tmp_path):
    bad = tmp_path / "list.txt"
    bad.write_text("A\nB\nA\n")
    with pytest.raises(InputError, match=r"list.txt:3: stem 'A' already listed on line 1"):
        read_split(bad)
    bad.write_text("visible/A.jpg\n")
    with pytest.raises(InputError, match=r"list.txt:1"):
        read_split(bad)
    with pytest.raises(InputError, match="not found"):
        read_split(tmp_path / "missing.txt")


def test_missing_roadscene_folder_is_a_clear_error(tmp_path):
    spec = DataSpec(tmp_path / "nowhere", TRAIN_LIST, VAL_LIST)
    with pytest.raises(InputError, match="RoadScene folder not found.*--synthetic-only"):
        build_training_data(tiny_cfg(), spec, scene_factory=toy_scene)


def test_synthetic_pool_pairs_frames_of_one_scene():
    pool = SyntheticPool.generate(toy_scene, 3, 6, max_gap=2, reach=2.0)
    assert len(pool.scenes) == 3 and all(len(s) == 6 for s in pool.scenes)  # frame 3 (no target) skipped
    rng = np.random.default_rng(0)
    for _ in range(20):
        t, s = pool.draw_pair(rng, "visible", "infrared")
        assert t.name.split(":")[1] == s.name.split(":")[1]
        assert abs(int(t.name.split(":")[2]) - int(s.name.split(":")[2])) <= 3  # <= 2 kept frames, one skipped
        assert t.image.ndim == 3 and s.image.ndim == 2
        d = pool.draw_distractor(rng, "visible", s, 100.0)
        assert d.name.split(":")[1] != s.name.split(":")[1]
    # A kept region crops exactly as the full frame would.
    frame = toy_scene(0)[0]
    cfg = TrainConfig()
    full = View(frame.frame.infrared, frame.box_infrared, (float(frame.frame.infrared.mean()),), "full")
    part = pool.scenes[0][0].infrared
    a = crop_search(full, cfg, (30.0, -20.0), 1.1)
    b = crop_search(part, cfg, (30.0, -20.0), 1.1)
    assert np.abs(a[0].astype(int) - b[0].astype(int)).max() <= 1
    np.testing.assert_allclose(a[1], b[1], atol=1e-9)


def test_synthetic_frames_with_a_hidden_target_are_skipped():
    from training.sources import usable_events

    good = {"out_of_view": False, "out_of_view_infrared": False, "occlusion": 0.2, "in_frame": 1.0,
            "dropout_visible": None, "dropout_infrared": None, "crossover_weight": 0.1}
    assert usable_events(good) and usable_events(()) and usable_events(None)
    for change in ({"out_of_view_infrared": True}, {"occlusion": 0.8}, {"in_frame": 0.3},
                   {"dropout_visible": "black"}, {"crossover_weight": 0.95}):
        assert not usable_events({**good, **change}), change


def test_default_scene_factory_renders_generator_scenes():
    from training.sources import default_scene_factory

    frames = list(default_scene_factory(("day",), seed=3, n_frames=2)(0))
    assert len(frames) == 2
    f = frames[1]
    assert f.frame.visible.ndim == 3 and f.frame.infrared.ndim == 2 and isinstance(f.events, dict)
    with pytest.raises(ConfigError, match="synthetic_presets: unknown preset 'noon'"):
        default_scene_factory(("noon",), 0, 2)


def test_roadscene_source_uses_structured_boxes(roadscene):
    from training.sources import load_roadscene

    stems = read_split(TRAIN_LIST)[:3]
    source = RoadSceneSource(load_roadscene(roadscene, stems), boxes_per_image=4, seed=0)
    assert source.names == frozenset(stems)
    rng = np.random.default_rng(0)
    t, s = source.draw_pair(rng, "infrared", "visible")
    assert t.box == s.box and t.image.ndim == 2 and s.image.ndim == 3
    again = RoadSceneSource(load_roadscene(roadscene, stems), boxes_per_image=4, seed=0)
    np.testing.assert_array_equal(source.boxes(2), again.boxes(2))  # bank independent of use order
    d = source.draw_distractor(rng, "visible", s, 50.0)
    assert d.box != s.box


def test_training_data_never_contains_validation_stems(roadscene):
    cfg = tiny_cfg(synthetic_fraction=0.5, val_pairs=2)
    data = build_training_data(cfg, DataSpec(roadscene, TRAIN_LIST, VAL_LIST), scene_factory=toy_scene)
    val = set(read_split(VAL_LIST))
    assert data.sampler.names == frozenset(read_split(TRAIN_LIST))
    assert not data.sampler.names & val
    names = [s.name for s in data.sampler.batch(np.random.default_rng(0), 24)]
    used = {part.split(":")[1] for n in names for part in n.split(">") if part.startswith("roadscene:")}
    assert used and not used & val
    assert data.val.source.startswith("roadscene:") and set(data.val.batches) == {"vis2ir", "ir2vis"}


# ---------------------------------------------------------------------------------------------- loop


def toy_data(cfg: TrainConfig):
    return build_training_data(cfg, DataSpec(None, TRAIN_LIST, VAL_LIST), scene_factory=toy_scene)


def test_loss_decreases_when_overfitting_one_batch():
    torch.manual_seed(0)
    cfg = tiny_cfg(lr=1e-2, warmup_steps=0, steps=1000, batch_size=4, negative_fraction=0.25, **SMALL, **QUIET)
    pool = SyntheticPool.generate(toy_scene, 2, 6, 2, 2.0)
    sampler = PairSampler([(pool, 1.0)], cfg)
    trainer = Trainer(cfg, ToyMatcher(), sampler, "unused", progress=False, plot=False)
    batch = collate(sampler.batch(np.random.default_rng(0), 4))
    assert batch[0].search.shape[-1] == 127
    history = [trainer.train_step(batch)[0] for _ in range(30)]
    first, last = history[:5], history[-5:]
    mean = lambda rows, k: float(np.mean([r[k] for r in rows]))
    assert mean(last, "loss") < 0.65 * mean(first, "loss"), [r["loss"] for r in history]
    assert mean(last, "cls") < mean(first, "cls") and mean(last, "giou") < mean(first, "giou")


def test_fit_writes_metrics_curves_and_checkpoints(tmp_path):
    torch.manual_seed(0)
    cfg = tiny_cfg(steps=4, checkpoint_every=2, epoch_steps=2, keep_checkpoints=5, **SMALL)
    data = toy_data(cfg)
    trainer = Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "run", val=data.val, progress=False,
                      meta={"command": "test"}, plot=True)
    result = trainer.fit()
    assert result.step == 4 and result.checkpoint is not None
    assert [s for s, _ in list_checkpoints(tmp_path / "run" / "checkpoints")] == [2, 4]
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert [int(r["step"]) for r in rows if r["loss"] is not None] == [1, 2, 3, 4]
    val_rows = [r for r in rows if r["val_vis2ir_miou"] is not None]
    assert [int(r["step"]) for r in val_rows] == [0, 2, 4]
    assert all(0 <= r["val_ir2vis_p50"] <= 1 for r in val_rows)
    assert (tmp_path / "run" / "curves.png").stat().st_size > 1000
    info, tensors = read_train_state(result.checkpoint)
    assert info["step"] == 4 and info["command"] == "test" and "val_vis2ir_miou" in info["validation"]
    assert any(k.startswith("optimizer.") for k in tensors) and "rng.torch" in tensors
    assert set(COLUMNS) >= set(rows[0])


def _params(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.state_dict().values()])


def test_resume_continues_exactly(tmp_path):
    cfg = tiny_cfg(steps=4, batch_size=3, checkpoint_every=2, epoch_steps=4, keep_checkpoints=5, negative_fraction=0.3,
                   **SMALL)
    data = toy_data(cfg)

    torch.manual_seed(0)
    straight = Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "a", val=data.val, progress=False, plot=False)
    straight.fit()

    torch.manual_seed(0)
    first = Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "b", val=data.val, progress=False, plot=False)

    def interrupt(trainer):
        if trainer.step == 2:
            trainer.request_stop()  # what Ctrl-C does: finish the step, save, stop

    with pytest.raises(KeyboardInterrupt):
        first.fit(on_step=interrupt)
    stem = tmp_path / "b" / "checkpoints" / "step_00000002"
    assert stem.with_suffix(".json").is_file()

    torch.manual_seed(123)  # a different init: everything must come from the checkpoint
    second = Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "b", val=data.val, progress=False, plot=False)
    second.resume(stem)
    assert second.step == 2
    assert torch.equal(_params(second.model), _params(first.model))
    s1, s2 = first.optimizer.state_dict(), second.optimizer.state_dict()
    for k in s1["state"]:
        for name, value in s1["state"][k].items():
            assert torch.equal(value, s2["state"][k][name])
    assert second.scheduler.get_last_lr() == first.scheduler.get_last_lr()
    second.fit()
    assert torch.equal(_params(second.model), _params(straight.model))
    rows_a = [r for r in read_metrics(tmp_path / "a" / "metrics.csv") if r["loss"] is not None]
    rows_b = [r for r in read_metrics(tmp_path / "b" / "metrics.csv") if r["loss"] is not None]
    assert [(r["step"], r["loss"]) for r in rows_a] == [(r["step"], r["loss"]) for r in rows_b]


def test_corrupt_or_mismatched_checkpoint_is_a_clear_error(tmp_path):
    cfg = tiny_cfg(steps=2, checkpoint_every=2, **SMALL)
    data = toy_data(dataclasses.replace(cfg, val_pairs=0))
    trainer = Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "run", progress=False, plot=False)
    result = trainer.fit()
    other = Trainer(cfg, ToyMatcher(width=4), data.sampler, tmp_path / "x", progress=False, plot=False)
    with pytest.raises(CheckpointError, match=r"step_00000002.safetensors: model tensor '[\w.]+' has shape"):
        other.resume(result.checkpoint)
    result.checkpoint.with_suffix(".safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="corrupt safetensors"):
        Trainer(cfg, ToyMatcher(), data.sampler, tmp_path / "y", progress=False, plot=False).resume(result.checkpoint)
    with pytest.raises(CheckpointError, match="not found"):
        read_train_state(tmp_path / "nothing" / "step_00000001")


def test_validation_peak_box_metrics():
    score = torch.full((2, 1, 5, 5), -5.0)
    score[0, 0, 1, 3] = 5.0
    score[1, 0, 4, 0] = 5.0
    sizes = torch.tensor([[20.0, 10.0], [8.0, 8.0]])
    boxes = peak_boxes(score, None, 3.5, 8.0, sizes)
    np.testing.assert_allclose(boxes, [[3.5 + 24 - 10, 3.5 + 8 - 5, 20, 10], [3.5 - 4, 3.5 + 32 - 4, 8, 8]])
    head = torch.zeros(2, 4, 5, 5)
    head[0, :, 1, 3] = torch.tensor([1.0, 2.0, 11.0, 22.0])
    np.testing.assert_allclose(peak_boxes(score, head, 3.5, 8.0, sizes)[0], [1, 2, 10, 20])

    cfg = tiny_cfg(**QUIET)
    sampler = PairSampler([(MarkerSource(), 1.0)], cfg)
    val = build_val_set(sampler, 3, seed=5, source="markers")
    again = build_val_set(sampler, 3, seed=5, source="markers")
    assert torch.equal(val.batches["vis2ir"].search, again.batches["vis2ir"].search)  # fixed set

    class Oracle(torch.nn.Module):  # a perfect matcher: peak on the blob, box = ground truth size
        def forward(self, template, tm, search, sm):
            grey = search.mean(dim=1, keepdim=True)
            return type("Out", (), {"score": torch.nn.functional.avg_pool2d(grey, 8), "boxes": None,
                                    "origin": 3.5, "stride": 8.0})()

    metrics = evaluate(Oracle(), val, "cpu", batch_size=2)
    assert metrics["val_vis2ir_cle"] <= 6.0 and metrics["val_ir2vis_miou"] > 0.6


def test_loader_worker_yields_the_same_batches_as_the_main_process():
    from training.batches import iterate_batches

    cfg = tiny_cfg(batch_size=3)
    pool = SyntheticPool.generate(toy_scene, 2, 6, 2, 2.0)
    stream = BatchStream(PairSampler([(pool, 1.0)], cfg), 3, seed=4, rank=0, start=5, stop=8)
    inline = list(iterate_batches(stream, 0))
    for workers in (1, 2):
        loaded = list(iterate_batches(stream, workers))
        assert [s for s, _ in inline] == [s for s, _ in loaded] == [5, 6, 7]
        for (_, a), (_, b) in zip(inline, loaded):
            assert [g.search_modality for g in a] == [g.search_modality for g in b]
            for ga, gb in zip(a, b):
                assert torch.equal(ga.search, gb.search) and torch.equal(ga.center, gb.center)


# ---------------------------------------------------------------------------------------------- command line


def test_cli_user_mistakes_are_clear_errors(tmp_path, capsys):
    from main import main

    assert main(["train", "--resume", str(tmp_path), "--set", "lr=1"]) == 2
    assert "--resume: the run continues with its saved settings" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path)]) == 2
    assert "no training checkpoint found" in capsys.readouterr().err
    assert main(["train", "--preset", "tiny", "--roadscene", str(tmp_path / "none"), "--set",
                 "synthetic_fraction=0", "--run-dir", str(tmp_path / "r")]) == 2
    assert "RoadScene folder not found" in capsys.readouterr().err
    assert main(["train", "--preset", "tiny", "--set", "model.fusion=\"nope\"", "--run-dir", str(tmp_path / "r")]) == 2
    assert "fusion" in capsys.readouterr().err
    assert main(["train", "--preset", "tiny", "--device", "tpu", "--run-dir", str(tmp_path / "r")]) == 2
    assert "device" in capsys.readouterr().err
    (tmp_path / "busy" / "checkpoints").mkdir(parents=True)
    for suffix in (".json", ".safetensors"):
        (tmp_path / "busy" / "checkpoints" / f"step_00000002{suffix}").write_text("{}")
    assert main(["train", "--preset", "tiny", "--run-dir", str(tmp_path / "busy")]) == 2
    assert "already holds a training run" in capsys.readouterr().err
