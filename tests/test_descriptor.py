"""The learned structure descriptor: config, network, differentiable NCC, checkpoints, matcher, training."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import main
from core.config import config_from_mapping
from core.errors import CheckpointError, ConfigError
from evaluation.match_eval import build_matchers
from models.checkpoint import checkpoint_format, save_matcher
from models.classic.cfog import CfogConfig, CfogMatcher, cfog_descriptor
from models.config import MatcherConfig
from models.descriptor import DescriptorConfig, DescriptorNet
from models.descriptor.checkpoint import load_descriptor, save_descriptor
from models.descriptor.matcher import DescriptorMatcher, descriptor_inputs
from models.descriptor.ncc import zncc_map
from models.registry import build_matcher
from tests.test_classic import cross_modal, shapes_scene
from training.descriptor.config import DescriptorTrainConfig, DescriptorTrainConfigError
from training.descriptor.data import QuerySampler
from training.descriptor.loop import DescriptorTrainer, TrainModel
from training.sources import ImagePair, mean_pad


C = DescriptorConfig().n_orientations  # the descriptor's channels (CFOG orientations)

pytestmark = pytest.mark.usefixtures("one_thread")


def pair(seed: int, h: int = 120, w: int = 160) -> ImagePair:
    grey = shapes_scene(h, w, seed=seed, n_shapes=30)
    vis = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    ir = cross_modal(grey, seed=seed)
    return ImagePair(f"p{seed}", vis, ir, mean_pad(vis), mean_pad(ir))


def trained_net(seed: int = 0, **cfg) -> DescriptorNet:
    """A network with non-zero residual stages (as after training), so tests see more than the identity."""
    torch.manual_seed(seed)
    net = DescriptorNet(DescriptorConfig(**cfg))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return net.eval()


# --- config ---------------------------------------------------------------------------------------

def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ConfigError, match="unknown key 'hiden'"):
        config_from_mapping(DescriptorConfig, {"hiden": 8})
    with pytest.raises(ConfigError, match="strategy"):
        DescriptorConfig(strategy="siamese")
    with pytest.raises(ConfigError, match="hidden"):
        DescriptorConfig(hidden=0)
    with pytest.raises(ConfigError, match="sigma"):
        DescriptorConfig(sigma=-1.0)
    with pytest.raises(ConfigError, match="unknown key 'step'"):
        config_from_mapping(DescriptorTrainConfig, {"step": 3})
    with pytest.raises(ConfigError, match="cross_fraction"):
        DescriptorTrainConfig(cross_fraction=1.5)
    assert DescriptorConfig().radius == 2 + 2 * 2


# --- network --------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["low-sep-high-share", "shared", "independent"])
@pytest.mark.parametrize("modality", ["visible", "infrared"])
@pytest.mark.parametrize("intensity", [False, True])
def test_every_strategy_keeps_the_shape_and_normalises_each_pixel(strategy, modality, intensity):
    net = trained_net(strategy=strategy, intensity=intensity)
    out = net(torch.rand(2, C, 33, 41), torch.rand(2, 1, 33, 41), modality)
    assert out.shape == (2, C, 33, 41)
    assert torch.allclose(out.pow(2).sum(1), torch.ones(2, 33, 41), atol=1e-4)


def test_strategies_share_what_they_say():
    sizes = {s: sum(p.numel() for p in DescriptorNet(DescriptorConfig(strategy=s)).parameters())
             for s in ("shared", "low-sep-high-share", "independent")}
    assert sizes["shared"] < sizes["low-sep-high-share"] < sizes["independent"]
    net = trained_net()
    x, g = torch.rand(1, C, 20, 20), torch.rand(1, 1, 20, 20)
    assert not torch.allclose(net(x, g, "visible"), net(x, g, "infrared"))  # separate low stages


def test_untrained_network_is_exactly_cfog():
    grey = shapes_scene(seed=4)
    cfog, g = descriptor_inputs(grey, CfogConfig(n_orientations=C))
    net = DescriptorNet(DescriptorConfig()).eval()
    with torch.no_grad():
        out = net(torch.from_numpy(cfog)[None], torch.from_numpy(g)[None], "infrared")[0].numpy()
    # CFOG divides by (norm + eps); the network by the norm alone
    reference = cfog_descriptor(grey, CfogConfig(n_orientations=C))
    reference = reference / (np.sqrt((reference ** 2).sum(0, keepdims=True)) + 1e-6)
    np.testing.assert_allclose(out, reference, atol=1e-5)


def test_untrained_matcher_gives_cfogs_boxes():
    p = pair(5)
    net = DescriptorNet(DescriptorConfig())
    ours, theirs = DescriptorMatcher(net), CfogMatcher(CfogConfig(n_orientations=C))
    for box, window in (((40, 30, 30, 26), (20, 10, 80, 70)), ((90, 50, 28, 34), (60, 30, 90, 80))):
        a = ours.match(p.visible, box, p.infrared, window)
        b = theirs.match(p.visible, box, p.infrared, window)
        np.testing.assert_allclose(a.box, b.box, atol=0.05)


def test_network_can_be_run_without_intensity():
    net = trained_net(intensity=False)
    assert net(torch.rand(1, C, 16, 16), None, "visible").shape == (1, C, 16, 16)
    with_grey = trained_net(intensity=True)
    assert with_grey(torch.rand(1, C, 16, 16), torch.rand(1, 1, 16, 16), "visible").shape == (1, C, 16, 16)
    with pytest.raises(ValueError, match="grey"):
        with_grey(torch.rand(1, C, 16, 16), None, "visible")
    with pytest.raises(ValueError, match="modality"):
        trained_net()(torch.rand(1, C, 16, 16), torch.rand(1, 1, 16, 16), "thermal")


# --- NCC ------------------------------------------------------------------------------------------

def test_zncc_map_equals_opencv_and_has_gradients():
    rng = np.random.default_rng(0)
    search = rng.random((9, 40, 52)).astype(np.float32)
    template = search[:, 6:21, 9:31] + 0.05 * rng.random((9, 15, 22)).astype(np.float32)
    expected = np.mean([cv2.matchTemplate(search[c], template[c], cv2.TM_CCOEFF_NORMED) for c in range(9)], axis=0)
    s = torch.from_numpy(search).requires_grad_(True)
    got = zncc_map(s, torch.from_numpy(template))
    np.testing.assert_allclose(got.detach().numpy(), expected, atol=1e-5)
    assert np.unravel_index(int(got.argmax()), got.shape) == (6, 9)
    got.max().backward()
    assert s.grad is not None and torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="larger"):
        zncc_map(torch.rand(9, 10, 10), torch.rand(9, 12, 5))


# --- checkpoints ----------------------------------------------------------------------------------

def test_checkpoint_round_trip_and_format(tmp_path):
    net = trained_net(hidden=8)
    path = save_descriptor(net, tmp_path / "d", extra={"step": 7})
    loaded, cfg, meta = load_descriptor(tmp_path / "d")
    assert cfg == net.config and meta["extra"]["step"] == 7
    x, g = torch.rand(1, C, 24, 24), torch.rand(1, 1, 24, 24)
    with torch.no_grad():
        assert torch.equal(net(x, g, "visible"), loaded(x, g, "visible"))
    assert checkpoint_format(path) == "heterotrack-descriptor"
    assert json.loads(path.with_suffix(".json").read_text())["format"] == "heterotrack-descriptor"


def test_checkpoint_errors_name_the_file_and_key(tmp_path):
    path = save_descriptor(trained_net(hidden=8), tmp_path / "d")
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["config"]["hidden"] = 12  # weights of another architecture
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"d.safetensors: key '.*' has shape"):
        load_descriptor(path)
    meta["config"]["widht"] = 1
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="unknown key 'widht'"):
        load_descriptor(path)
    save_descriptor(trained_net(hidden=8), tmp_path / "d")
    path.write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load_descriptor(path)
    other = save_matcher(build_matcher(MatcherConfig(fusion="xcorr")), MatcherConfig(fusion="xcorr"), tmp_path / "m")
    with pytest.raises(CheckpointError, match="format: expected 'heterotrack-descriptor'"):
        load_descriptor(other)
    assert checkpoint_format(other) == "heterotrack-matcher"


def test_eval_match_model_loads_descriptor_weights(tmp_path):
    path = save_descriptor(trained_net(), tmp_path / "d")
    (matcher,) = build_matchers("model", weights=path)
    assert isinstance(matcher, DescriptorMatcher) and matcher.name == "model"
    assert matcher.parameter_count() == sum(p.numel() for p in matcher.descriptor.net.parameters())
    assert matcher.flops_per_query("visible") > 0
    p = pair(6)
    result = matcher.match(p.visible, (50, 40, 30, 30), p.infrared, (30, 20, 75, 75))
    assert result.box[2:] == (30.0, 30.0)


# --- training -------------------------------------------------------------------------------------

def small_cfg(**changes) -> DescriptorTrainConfig:
    base = dict(steps=6, batch=2, val_every=3, val_queries=4, boxes_per_image=6, scales=(1.0, 0.7), warmup_steps=2)
    return DescriptorTrainConfig(**{**base, **changes})


def sampler_for(cfg: DescriptorTrainConfig, net: DescriptorNet) -> QuerySampler:
    from models.descriptor.matcher import DescriptorFeatures

    feats = DescriptorFeatures(net)
    return QuerySampler([pair(1), pair(2)], cfg, feats.cfog, feats.margin)


def test_sampler_queries_put_the_template_where_the_offset_says():
    cfg = small_cfg(photometric_prob=0.0, invert_ir_prob=0.0, cross_fraction=0.0, geometric_prob=0.0)
    net = DescriptorNet(DescriptorConfig())
    sampler = sampler_for(cfg, net)
    rng = np.random.default_rng(3)
    m = sampler.margin
    for _ in range(10):
        q = sampler.draw(rng)
        assert q.template_modality == q.search_modality  # cross_fraction 0: homologous, so an exact copy
        t, s = q.template[0], q.search[0]
        h, w = t.shape[1] - 2 * m, t.shape[2] - 2 * m
        i, j = q.offset
        np.testing.assert_allclose(s[:, m + i: m + i + h, m + j: m + j + w], t[:, m:-m, m:-m], atol=1e-6)


def test_warped_search_regions_keep_the_target_where_the_offset_says():
    cfg = small_cfg(photometric_prob=0.0, invert_ir_prob=0.0, cross_fraction=0.0, geometric_prob=1.0,
                    rotate_max_deg=3.0, scale_max=0.04)
    sampler = sampler_for(cfg, DescriptorNet(DescriptorConfig()))
    rng = np.random.default_rng(5)
    m = sampler.margin
    errors = []
    for _ in range(12):
        q = sampler.draw(rng)
        t, s = torch.from_numpy(q.template[0][:, m:-m, m:-m]), torch.from_numpy(q.search[0][:, m:-m, m:-m])
        r = zncc_map(s, t)
        peak = np.unravel_index(int(r.argmax()), tuple(r.shape))
        errors.append(max(abs(peak[0] - q.offset[0]), abs(peak[1] - q.offset[1])))
    assert np.median(errors) <= 1 and max(errors) <= 3, errors


def test_loss_decreases_when_overfitting_a_few_queries():
    torch.manual_seed(0)
    cfg = small_cfg(photometric_prob=0.0)
    net = DescriptorNet(DescriptorConfig())
    sampler = sampler_for(cfg, net)
    rng = np.random.default_rng(0)
    queries = [sampler.draw(rng) for _ in range(4)]
    model = TrainModel(net, 20.0)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)

    def loss() -> torch.Tensor:
        return torch.stack([model.query_loss(q, sampler.margin) for q in queries]).mean()

    first = float(loss().detach())
    for _ in range(25):
        opt.zero_grad()
        value = loss()
        value.backward()
        opt.step()
    assert float(loss().detach()) < 0.7 * first


def _trainer(cfg, run_dir, store_root) -> DescriptorTrainer:
    from evaluation.queries import PairStore, make_queries

    torch.manual_seed(cfg.seed)
    net = DescriptorNet(DescriptorConfig(hidden=8))
    store = PairStore(store_root)
    queries = make_queries(store, ["p1"], n_per_pair=2, seed=0)[: cfg.val_queries]
    return DescriptorTrainer(cfg, net, sampler_for(cfg, net), queries, store, run_dir, {"test": True}, progress=False)


def _write_pairs(root: Path, seeds=(1, 2, 3)) -> Path:
    for sub in ("visible", "infrared"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for s in seeds:
        p = pair(s)
        cv2.imwrite(str(root / "visible" / f"p{s}.jpg"), cv2.cvtColor(p.visible, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(root / "infrared" / f"p{s}.jpg"), p.infrared)
    return root


def test_resume_continues_bit_for_bit(tmp_path):
    root = _write_pairs(tmp_path / "pairs")
    cfg = small_cfg()
    straight = _trainer(cfg, tmp_path / "a", root)
    straight.fit()
    half = _trainer(cfg, tmp_path / "b", root)
    half.fit(on_validation=lambda tr, v: tr.request_stop() if tr.step == 3 else None)
    assert half.step == 3 and half.stopped_early
    resumed = _trainer(cfg, tmp_path / "b", root)
    from training.state import latest_checkpoint

    resumed.resume(latest_checkpoint(tmp_path / "b" / "checkpoints"))
    resumed.fit()
    assert resumed.step == 6
    for (k, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), k
    rows = (tmp_path / "b" / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,tau") and [r.split(",")[0] for r in rows[1:]] == ["0", "3", "6"]
    assert (tmp_path / "b" / "curves.png").is_file()


def test_train_descriptor_command_end_to_end(tmp_path, capsys):
    root = _write_pairs(tmp_path / "rs")
    (tmp_path / "train.txt").write_text("p1\np2\n")
    (tmp_path / "val.txt").write_text("p3\n")

    def args(run_dir: Path) -> list[str]:
        return [str(a) for a in (
            "train-descriptor", "--roadscene", root, "--train-list", tmp_path / "train.txt",
            "--val-list", tmp_path / "val.txt", "--run-dir", run_dir, "--out", tmp_path / "w",
            "--set", "steps=2", "--set", "batch=2", "--set", "val_every=2", "--set", "val_queries=3",
            "--set", "scales=1.0", "--set", "model.hidden=8", "--no-progress")]

    assert main.main(args(tmp_path / "run")) == 0
    meta = json.loads((tmp_path / "w.json").read_text())
    assert meta["extra"]["step"] == 2 and set(meta["extra"]["tracker_logits"]) == {"same", "cross"}
    assert meta["extra"]["command"].startswith("heterotrack train-descriptor")
    assert meta["config"]["hidden"] == 8
    assert (tmp_path / "run" / "metrics.csv").is_file()
    capsys.readouterr()
    # the same run directory again is refused; validation stems in the training list are refused
    assert main.main(args(tmp_path / "run")) == 2
    assert "already holds a run" in capsys.readouterr().err
    (tmp_path / "train.txt").write_text("p1\np3\n")
    assert main.main(args(tmp_path / "run2")) == 2
    assert "never train on the validation list" in capsys.readouterr().err
    assert main.main(["train-descriptor", "--set", "hiden=3", "--run-dir", str(tmp_path / "run3")]) == 2
    assert "hiden" in capsys.readouterr().err


# --- tracker backend ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["visible", "infrared", "cross", "fused"])
def test_tracker_follows_a_moving_target_on_descriptor_weights(tmp_path, mode):
    from core.geometry import iou
    from tests.tracker_doubles import moving_target_scene
    from tracker.config import TrackerConfig
    from tracker.descriptor_backend import DescriptorBackend
    from tracker.factory import build_backend
    from tracker.tracker import Tracker

    path = save_descriptor(trained_net(), tmp_path / "d", extra={"tracker_logits": {"cross": [15.0, -3.0]}})
    backend = build_backend(path)
    assert isinstance(backend, DescriptorBackend) and backend.cross == (15.0, -3.0) and backend.same == (8.0, -3.0)
    assert "learned descriptor" in backend.name
    frames, gt = moving_target_scene(n=8)
    tracker = Tracker(backend, TrackerConfig(mode=mode))
    tracker.init(frames[0], gt[0], "visible")
    results = [tracker.update(f, want=("features",)) for f in frames[1:]]
    assert iou(np.array([r.box for r in results]), gt[1:]).min() > 0.5
    feats = results[-1].features
    searched = "infrared" if mode in ("infrared", "cross") else "visible"
    assert feats[f"{searched}/search.descriptor"].shape[:2] == (3, C)  # three scales, C channels
    assert feats[f"{searched}/template.descriptor"].ndim == 3


def test_pyramid_shared_descriptor_matches_per_crop_descriptors():
    """With the pyramid's factors the network runs once; the resampled descriptors give the same maps."""
    from core.geometry import crop_resize
    from tracker.descriptor_backend import DescriptorBackend
    from tracker.pyramid import pyramid_from_reference

    grey = shapes_scene(300, 300, seed=8, n_shapes=60)
    backend = DescriptorBackend(trained_net())
    factors = (1 / 1.0375, 1.0, 1.0375)
    crops = np.stack([crop_resize(grey, (150.0, 150.0), 200 * f, 255) for f in factors])
    template = backend.encode(crop_resize(grey, (150.0, 150.0), 100, 127), "infrared", target=(50.0, 50.0))
    works = [backend._shrink(c) for c in crops]
    exact = backend.matcher.descriptor.batch(works)
    shared = pyramid_from_reference(lambda w: backend.matcher.descriptor.batch([w])[0], works, factors)
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))  # away from the replicated border
    assert np.abs(shared[1] - exact[1]).max() == 0
    assert np.corrcoef(shared[inner].ravel(), exact[inner].ravel())[0, 1] > 0.97
    a = backend.match(template, crops, "infrared")
    b = backend.match(template, crops, "infrared", factors=factors)
    for s in range(3):
        assert np.unravel_index(a.score[s].argmax(), a.score[s].shape) == np.unravel_index(b.score[s].argmax(),
                                                                                          b.score[s].shape)
        # logits: 0.6 is 0.075 in NCC at the same-modality gain of 8 (random nets give 0.44-0.55 here)
        assert np.abs(a.score[s].max() - b.score[s].max()) < 0.6


def test_tracker_hands_the_pyramid_to_backends_that_take_it(tmp_path, monkeypatch):
    from tests.tracker_doubles import moving_target_scene
    from tracker.descriptor_backend import DescriptorBackend
    from tracker.tracker import Tracker

    backend = DescriptorBackend(trained_net())
    seen = []
    original = backend.match
    monkeypatch.setattr(backend, "match", lambda *a, **k: seen.append(k.get("factors")) or original(*a, **k))
    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(backend)
    tracker.init(frames[0], gt[0], "visible")
    seen.clear()  # init's single-crop search for an IR offset (auto_align) has no pyramid
    tracker.update(frames[1])
    assert seen and all(f == pytest.approx((1 / 1.0375, 1.0, 1.0375)) for f in seen)


def test_context_queries_are_cut_as_eval_match_cuts_them():
    cfg = small_cfg(photometric_prob=0.0, invert_ir_prob=0.0, cross_fraction=0.0, context=1.0, context_side=40.0)
    sampler = sampler_for(cfg, DescriptorNet(DescriptorConfig()))
    rng = np.random.default_rng(2)
    m = sampler.margin
    errors, sides, outside = [], [], []
    for _ in range(12):
        q = sampler.draw(rng)
        t, s = torch.from_numpy(q.template[0][:, m:-m, m:-m]), torch.from_numpy(q.search[0][:, m:-m, m:-m])
        sides.append((t.shape[1] + t.shape[2]) / 2)
        r = zncc_map(s, t)
        assert q.offset[0] < r.shape[0] and q.offset[1] < r.shape[1]
        peak = np.unravel_index(int(r.argmax()), tuple(r.shape))
        errors.append(max(abs(peak[0] - q.offset[0]), abs(peak[1] - q.offset[1])))
        assert q.search_valid.shape == q.search[0].shape[1:]
        outside.append(not q.search_valid.all())
    assert max(errors) <= 1, errors  # homologous: the grown template sits where the offset says
    assert max(sides) <= 41 and min(sides) >= 4  # shrunk to the context side where larger
    assert any(outside)  # some windows' bands reach beyond the 160x120 images: those pixels are marked
    # the loss masks them: it runs, and is finite
    model = TrainModel(DescriptorNet(DescriptorConfig()), 20.0)
    assert torch.isfinite(model.query_loss(q, m, 2))


def test_context_settings_are_validated():
    with pytest.raises(DescriptorTrainConfigError, match="context"):
        DescriptorTrainConfig(context=-1.0)
    with pytest.raises(DescriptorTrainConfigError, match="context"):
        DescriptorTrainConfig(context=1.0, context_side=4.0)
