"""The heterologous matcher: config, shapes and geometry, sharing, fusions, gradients, learning."""
from __future__ import annotations

import copy
import dataclasses
import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from core.config import config_from_mapping
from core.errors import ConfigError
from models.config import (
    BACKBONE_CHOICES,
    FUSION_CHOICES,
    STRATEGY_CHOICES,
    MatcherConfig,
    MatcherConfigError,
    feature_size,
)
from models.fusion.acm import AsymmetricConvFusion
from models.fusion.base import xcorr, xcorr_depthwise
from models.fusion.mha import MultiHeadAttention
from models.fusion.position import sine_position_encoding
from models.matcher import Matcher, TemplateFeatures
from models.profile import count_flops, count_parameters, time_query
from models.registry import BACKBONES, FUSIONS, STRATEGIES, build_matcher

# Small but complete models: every module runs, at a fraction of the default cost.
SMALL = dict(width=0.5, channels=32, hidden=16, attention_dim=16, attention_heads=2, attention_layers=1,
             template_window=4, light_tokens=2, exemplar_size=48, instance_size=96)


def small(**kw) -> MatcherConfig:
    return MatcherConfig(**{**SMALL, **kw})


def images(cfg: MatcherConfig, b: int = 1, s: int = 1, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    z = torch.rand(b, 3, cfg.exemplar_size, cfg.exemplar_size, generator=g)
    x = torch.rand(s, 1, cfg.instance_size, cfg.instance_size, generator=g)
    return z, x


@pytest.fixture(autouse=True)
def _seed_and_one_thread():
    """Deterministic weights; one intra-op thread (the CPU is shared, small ops gain nothing from two)."""
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- config and registry -------------------------------------------------------------------------

def test_registry_keys_are_the_config_choices():
    assert set(BACKBONES) == set(BACKBONE_CHOICES)
    assert set(FUSIONS) == set(FUSION_CHOICES)
    assert set(STRATEGIES) == set(STRATEGY_CHOICES)


def test_default_config_is_the_documented_default():
    cfg = MatcherConfig()
    assert (cfg.backbone, cfg.strategy, cfg.fusion) == ("resnet", "low-sep-high-share", "light-attention")
    assert (cfg.exemplar_size, cfg.instance_size, cfg.box_head) == (127, 255, True)


@pytest.mark.parametrize("field,value,words", [
    ("backbone", "vgg", ["backbone", "mobilenet", "resnet"]),
    ("strategy", "half", ["strategy", "low-sep-high-share", "independent"]),
    ("fusion", "concat", ["fusion", "xcorr", "light-attention"]),
    ("width", 0.0, ["width"]),
    ("channels", 0, ["channels"]),
    ("attention_dim", 30, ["attention_dim", "attention_heads"]),
    ("template_window", 40, ["template_window"]),
    ("light_tokens", 9, ["light_tokens", "template_window"]),
    ("multi_feature", "yes", ["multi_feature"]),
    ("hidden", True, ["hidden"]),
])
def test_config_rejects_bad_values_naming_the_field(field, value, words):
    with pytest.raises(MatcherConfigError) as info:
        MatcherConfig(**{field: value})
    message = str(info.value)
    assert message.startswith(field + ":")
    for word in words:
        assert word in message
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)


def test_config_rejects_a_search_smaller_than_the_correlation_window():
    with pytest.raises(MatcherConfigError, match="^instance_size:"):
        MatcherConfig(fusion="xcorr", instance_size=48, template_window=8)
    with pytest.raises(MatcherConfigError, match="^attention_dim: 18 must be a multiple of 4"):
        MatcherConfig(fusion="attention", attention_dim=18, attention_heads=2)
    # Window settings only bind the fusions that use the window.
    MatcherConfig(fusion="attention", exemplar_size=48, template_window=8)
    MatcherConfig(fusion="xcorr", template_window=2, light_tokens=4)


def test_config_from_mapping_names_source_and_unknown_key():
    cfg = config_from_mapping(MatcherConfig, {"fusion": "xcorr", "width": 1}, source="run.json")
    assert cfg.fusion == "xcorr" and cfg.width == 1.0
    with pytest.raises(ConfigError, match="run.json: unknown key 'fusoin'"):
        config_from_mapping(MatcherConfig, {"fusoin": "xcorr"}, source="run.json")
    with pytest.raises(ConfigError, match="^run.json: fusion: 'bogus' is not one of"):
        config_from_mapping(MatcherConfig, {"fusion": "bogus"}, source="run.json")


# --- shapes and geometry of every combination ------------------------------------------------------

COMBOS = list(itertools.product(BACKBONE_CHOICES, STRATEGY_CHOICES, FUSION_CHOICES))


@pytest.mark.parametrize("backbone,strategy,fusion", COMBOS)
def test_shapes_and_geometry_of_every_combination(backbone, strategy, fusion):
    cfg = small(backbone=backbone, strategy=strategy, fusion=fusion, multi_feature=(strategy == "shared"))
    model = build_matcher(cfg).eval()
    z, x = images(cfg, b=1, s=2)
    with torch.inference_mode():
        template = model.encode_template(z, "visible")
        out = model.match(template, x, "infrared")
    cells = feature_size(cfg.instance_size)
    side = cells - cfg.template_window + 1 if cfg.is_correlation else cells
    assert out.score.shape == (2, 1, side, side)
    assert out.boxes is not None and out.boxes.shape == (2, 4, side, side)
    assert out.stride == 8
    assert out.attention is None and out.features is None
    assert torch.isfinite(out.score).all() and torch.isfinite(out.boxes).all()
    assert (out.boxes[:, 2] > out.boxes[:, 0]).all() and (out.boxes[:, 3] > out.boxes[:, 1]).all()
    # The cell nearest the search-crop centre maps to within half a stride of it.
    centre = cfg.instance_size / 2
    j = round((centre - out.origin) / out.stride)
    assert 0 <= j < side
    assert abs(out.origin + out.stride * j - centre) <= out.stride / 2
    # Each predicted box straddles its own cell centre (distances are positive).
    cx = out.origin + out.stride * torch.arange(side)
    assert (out.boxes[:, 0] < cx).all() and (out.boxes[:, 2] > cx).all()


def test_origin_formulas():
    corr = build_matcher(MatcherConfig(fusion="xcorr")).eval()
    grid = build_matcher(small()).eval()
    with torch.inference_mode():
        template = corr.encode_template(torch.rand(1, 3, 127, 127), "visible")
        out = corr.match(template, torch.rand(1, 1, 255, 255), "infrared")
        assert out.score.shape[-1] == 25
        assert out.origin == 127 / 2 - 8 * 4  # template window starts at cell (16 - 8) // 2
        assert out.origin + 8 * 12 == 255 / 2  # the centre cell is the crop centre exactly
        z, x = images(grid.config)
        assert grid.match(grid.encode_template(z, "visible"), x, "infrared").origin == 0.5


def test_no_box_head_gives_none():
    model = build_matcher(small(box_head=False)).eval()
    z, x = images(model.config)
    with torch.inference_mode():
        out = model.match(model.encode_template(z, "visible"), x, "infrared")
    assert out.boxes is None and out.score.shape[1] == 1


def test_pasted_template_lands_on_its_cell_centre():
    """End-to-end geometry: stride-8 alignment of template and search features, and the xcorr origin.

    With fresh BatchNorm (eval) and no global pooling, the ResNet backbone
    maps a constant mean-valued canvas to exactly zero, like its zero
    padding; a template pasted at a multiple of 8 then has identical
    features in the search, and the correlation peak is the cell whose
    centre is the pasted template's centre.
    """
    cfg = MatcherConfig(backbone="resnet", strategy="shared", fusion="xcorr")
    model = build_matcher(cfg).eval()
    mean = torch.tensor((0.485, 0.456, 0.406)).view(1, 3, 1, 1)
    g = torch.Generator().manual_seed(3)
    template = mean.expand(1, 3, 127, 127).clone()
    template[..., 40:88, 36:92] = torch.rand(1, 3, 48, 56, generator=g)
    search = mean.expand(1, 3, 255, 255).clone()
    dy, dx = 8 * 9, 8 * 13
    search[..., dy:dy + 127, dx:dx + 127] = template
    with torch.inference_mode():
        z = model.encode_template(template, "visible")
        out = model.match(z, search, "visible", want=("features",))
    zh, xh = out.features["template.high"], out.features["search.high"]
    torch.testing.assert_close(xh[..., 9:9 + 16, 13:13 + 16], zh, atol=1e-4, rtol=1e-4)
    response = out.features["fused"][0, 0]
    i, j = divmod(int(response.argmax()), response.shape[-1])
    assert (out.origin + 8 * j, out.origin + 8 * i) == (dx + 127 / 2, dy + 127 / 2)


# --- batching, attention and features on request ----------------------------------------------------

@pytest.mark.parametrize("fusion", FUSION_CHOICES)
def test_one_template_broadcasts_over_scales_and_batches_pair(fusion):
    cfg = small(fusion=fusion)
    model = build_matcher(cfg).eval()
    z, x = images(cfg, b=2, s=3)
    with torch.inference_mode():
        single = model.encode_template(z[:1], "visible")
        scales = model.match(single, x, "infrared")
        for k in range(3):
            one = model.match(single, x[k:k + 1], "infrared")
            torch.testing.assert_close(scales.score[k:k + 1], one.score, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(scales.boxes[k:k + 1], one.boxes, atol=1e-3, rtol=1e-4)
        pair = model.encode_template(z, "visible")
        paired = model.match(pair, x[:2], "infrared")
        second = model.match(model.encode_template(z[1:], "visible"), x[1:2], "infrared")
        torch.testing.assert_close(paired.score[1:], second.score, atol=1e-4, rtol=1e-4)
        with pytest.raises(ValueError, match="template batch 2 cannot pair with 3"):
            model.match(pair, x, "infrared")


@pytest.mark.parametrize("fusion", FUSION_CHOICES)
def test_attention_and_features_only_when_asked(fusion):
    cfg = small(fusion=fusion, attention_layers=2)
    model = build_matcher(cfg).eval()
    z, x = images(cfg, s=2)
    with torch.inference_mode():
        template = model.encode_template(z, "infrared" if False else "visible")
        plain = model.match(template, x, "infrared")
        rich = model.match(template, x, "infrared", want=("attention", "features"))
        only_features = model.match(template, x, "infrared", want="features")
    assert plain.attention is None and plain.features is None
    assert only_features.attention is None and only_features.features is not None
    # Asking for more never changes the answer (explicit softmax vs fused attention kernel).
    torch.testing.assert_close(plain.score, rich.score, atol=1e-4, rtol=1e-4)
    assert set(rich.features) == {"template.low", "template.high", "search.low", "search.high", "fused"}
    cells = feature_size(cfg.instance_size)
    assert rich.features["search.high"].shape == (2, cfg.channels, cells, cells)
    assert rich.features["search.low"].shape[-1] == 2 * cells
    if fusion == "attention":
        hz = feature_size(cfg.exemplar_size)
        names = {f"layer{i}.{n}" for i in range(2)
                 for n in ("template_self", "search_self", "template_to_search", "search_to_template")}
        assert set(rich.attention) == names | {"decoder.search_to_template"}
        assert rich.attention["layer1.search_self"].shape == (2, cells, cells, cells, cells)
        assert rich.attention["decoder.search_to_template"].shape == (2, cells, cells, hz, hz)
        assert rich.attention["layer0.template_self"].shape == (2, hz, hz, hz, hz)
    elif fusion == "light-attention":
        p = cfg.light_tokens
        assert set(rich.attention) == {"cross.search_to_template"}
        assert rich.attention["cross.search_to_template"].shape == (2, cells, cells, p, p)
    else:
        assert rich.attention == {}
    for weights in rich.attention.values():
        rows = weights.flatten(-2).sum(-1)
        torch.testing.assert_close(rows, torch.ones_like(rows))


def test_multihead_attention_returns_weights_only_when_asked():
    mha = MultiHeadAttention(16, 4).eval()
    q, kv = torch.rand(2, 5, 16), torch.rand(2, 7, 16)
    fast, none = mha(q, kv, kv)
    slow, weights = mha(q, kv, kv, need_weights=True)
    assert none is None and weights.shape == (2, 5, 7)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


def test_want_and_inputs_are_checked():
    model = build_matcher(small()).eval()
    z, x = images(model.config)
    with torch.inference_mode():
        template = model.encode_template(z, "visible")
        with pytest.raises(ValueError, match="want: 'heatmap' is not one of attention, features"):
            model.match(template, x, "infrared", want=("heatmap",))
        with pytest.raises(ValueError, match="search image: expected a \\(S, 3, N, N\\) visible tensor"):
            model.match(template, x, "visible")
        with pytest.raises(ValueError, match="modality: 'thermal' is not one of visible, infrared"):
            model.encode_template(z, "thermal")
        with pytest.raises(ValueError, match="square"):
            model.match(template, x[..., :90], "infrared")
        with pytest.raises(ValueError, match="floats"):
            model.match(template, (x * 255).to(torch.uint8), "infrared")


def test_template_features_are_frozen():
    model = build_matcher(small(fusion="dwxcorr")).eval()
    z, _ = images(model.config)
    with torch.inference_mode():
        template = model.encode_template(z, "visible")
    assert isinstance(template, TemplateFeatures) and template.modality == "visible" and template.batch == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        template.modality = "infrared"  # type: ignore[misc]
    with pytest.raises(TypeError):
        template.prepared["kernel"] = torch.zeros(1)  # type: ignore[index]
    clone = copy.deepcopy(template)  # trackers may snapshot their state
    assert torch.equal(clone.prepared["kernel"], template.prepared["kernel"])
    assert clone.prepared["kernel"] is not template.prepared["kernel"]


# --- weight sharing -----------------------------------------------------------------------------------

def _ids(module) -> set[int]:
    return {id(p) for p in module.parameters()}


@pytest.mark.parametrize("backbone", BACKBONE_CHOICES)
def test_weight_sharing_follows_the_strategy(backbone):
    shared = build_matcher(small(backbone=backbone, strategy="shared")).backbone
    lshs = build_matcher(small(backbone=backbone, strategy="low-sep-high-share")).backbone
    indep = build_matcher(small(backbone=backbone, strategy="independent")).backbone

    assert shared.stages("visible")[0] is shared.stages("infrared")[0]
    assert shared.stages("visible")[1] is shared.stages("infrared")[1]

    (v_low, v_high), (i_low, i_high) = lshs.stages("visible"), lshs.stages("infrared")
    assert v_high is i_high
    assert [id(p) for p in v_high.parameters()] == [id(p) for p in i_high.parameters()]
    assert not (_ids(v_low) & _ids(i_low))

    (v_low, v_high), (i_low, i_high) = indep.stages("visible"), indep.stages("infrared")
    assert not ((_ids(v_low) | _ids(v_high)) & (_ids(i_low) | _ids(i_high)))

    first_conv = lambda low: next(m for m in low.modules() if isinstance(m, torch.nn.Conv2d))  # noqa: E731
    assert first_conv(shared.stages("infrared")[0]).in_channels == 3  # infrared replicated
    assert first_conv(lshs.stages("infrared")[0]).in_channels == 1
    assert first_conv(lshs.stages("visible")[0]).in_channels == 3
    assert first_conv(indep.stages("infrared")[0]).in_channels == 1
    # A shared stage is stored once, so checkpoints carry no duplicates.
    assert not any(k.startswith(("high.visible", "high.infrared")) for k in lshs.state_dict())
    assert any(k.startswith("high.infrared") for k in indep.state_dict())


# --- fusion arithmetic -----------------------------------------------------------------------------------

def test_xcorr_helpers_match_explicit_sums():
    x, k = torch.rand(3, 4, 9, 9), torch.rand(3, 4, 3, 3)
    full, dw = xcorr(x, k), xcorr_depthwise(x, k)
    assert full.shape == (3, 1, 7, 7) and dw.shape == (3, 4, 7, 7)
    for s, i, j in [(0, 0, 0), (1, 3, 5), (2, 6, 6)]:
        patch = x[s, :, i:i + 3, j:j + 3]
        torch.testing.assert_close(full[s, 0, i, j], (patch * k[s]).sum())
        torch.testing.assert_close(dw[s, :, i, j], (patch * k[s]).sum((1, 2)))
    torch.testing.assert_close(xcorr(x, k[:1]), xcorr(x, k[:1].expand(3, -1, -1, -1)))
    torch.testing.assert_close(xcorr_depthwise(x, k[:1]), xcorr_depthwise(x, k[:1].expand(3, -1, -1, -1)))


def test_acm_equals_a_conv_over_the_concatenated_windows():
    acm = AsymmetricConvFusion(in_channels=12, hidden=6, window=3, reduced=4).eval()
    z, x = torch.rand(1, 12, 7, 7), torch.rand(2, 12, 8, 8)
    with torch.inference_mode():
        out = acm(acm.prepare(z), x).features
        zr = acm.crop_window(acm.reduce_template(z))           # (1, 4, 3, 3)
        xr = acm.reduce_search(x)
        for s, i, j in [(0, 0, 0), (1, 2, 4), (0, 5, 5)]:
            joint = torch.cat([zr, xr[s:s + 1, :, i:i + 3, j:j + 3]], dim=1)  # [z; x_window]
            direct = F.conv2d(joint, acm.weight, acm.bias)[0, :, 0, 0]
            expect = F.relu(acm.norm(direct.view(1, -1, 1, 1))).flatten()
            torch.testing.assert_close(out[s, :, i, j], expect, atol=1e-5, rtol=1e-5)


def test_sine_position_encoding():
    pos = sine_position_encoding(4, 6, 16)
    assert pos.shape == (1, 16, 4, 6) and pos.abs().max() <= 1
    assert not torch.allclose(pos[..., 0, :], pos[..., 1, :])  # rows differ
    assert torch.allclose(pos[:, :8, :, 0], pos[:, :8, :, 5])  # y half ignores x
    with pytest.raises(ValueError, match="divisible by 4"):
        sine_position_encoding(4, 4, 6)


# --- training behaviour ---------------------------------------------------------------------------------

GRADIENT_CASES = (
    [("resnet", s, f) for s in STRATEGY_CHOICES for f in ("light-attention", "attention", "acm")]
    + [("mobilenet", s, "dwxcorr") for s in STRATEGY_CHOICES]
)


@pytest.mark.parametrize("backbone,strategy,fusion", GRADIENT_CASES)
def test_gradients_reach_every_parameter(backbone, strategy, fusion):
    model = build_matcher(small(backbone=backbone, strategy=strategy, fusion=fusion)).train()
    z, x = images(model.config, b=2, s=2)
    out = model(z, "visible", x, "infrared")
    (out.score.mean() + out.boxes.mean() / 100).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, missing[:5]
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    for name in ("backbone.low", "backbone.high", "fusion", "head"):
        total = sum(p.grad.abs().sum() for n, p in model.named_parameters() if n.startswith(name))
        assert total > 0, name


def _blob_pair(cfg: MatcherConfig, centre: tuple[float, float]):
    """A visible template and an infrared search with the same textured object (IR polarity inverted)."""
    g = torch.Generator().manual_seed(7)
    obj = torch.rand(1, 1, 20, 20, generator=g)
    z = torch.full((1, 3, cfg.exemplar_size, cfg.exemplar_size), 0.3)
    c = cfg.exemplar_size // 2
    z[..., c - 10:c + 10, c - 10:c + 10] = obj
    x = torch.full((1, 1, cfg.instance_size, cfg.instance_size), 0.6)
    cy, cx = int(centre[0]), int(centre[1])
    x[..., cy - 10:cy + 10, cx - 10:cx + 10] = 1.0 - obj
    return z, x


def test_a_few_steps_on_one_pair_lower_the_score_loss():
    """Minimal learning check: BCE on a SiamFC-style label map falls when overfitting cross-modal pairs.

    With balanced positive/negative weights a constant score cannot go below
    log(2) ~ 0.69, so ending well under it means the map became spatially
    selective.
    """
    cfg = small()
    model = build_matcher(cfg).train()
    size = cfg.instance_size
    (z1, x1), (z2, x2) = _blob_pair(cfg, (0.4 * size, 0.55 * size)), _blob_pair(cfg, (0.62 * size, 0.3 * size))
    z, x = torch.cat([z1, z2]), torch.cat([x1, x2])
    targets = torch.tensor([[0.55 * size, 0.4 * size], [0.3 * size, 0.62 * size]])  # (cx, cy)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        out = model(z, "visible", x, "infrared")
        side = out.score.shape[-1]
        centres = out.origin + out.stride * torch.arange(side, dtype=torch.float32)
        dist = torch.hypot(centres.view(1, 1, side) - targets[:, 0].view(2, 1, 1),
                           centres.view(1, side, 1) - targets[:, 1].view(2, 1, 1))
        label = (dist <= 1.5 * out.stride).float().unsqueeze(1)
        weight = torch.where(label > 0, 0.5 / label.sum((2, 3), keepdim=True),
                             0.5 / (1 - label).sum((2, 3), keepdim=True))
        loss = F.binary_cross_entropy_with_logits(out.score, label, weight=weight, reduction="sum") / 2
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert math.isfinite(losses[-1])
    assert min(losses[-3:]) < min(0.5 * losses[0], 0.45), losses


@pytest.mark.parametrize("backbone,fusion", [("mobilenet", "light-attention"), ("resnet", "acm")])
def test_inference_copy_matches_and_cannot_train(backbone, fusion):
    model = build_matcher(small(backbone=backbone, fusion=fusion))
    z, x = images(model.config, s=2)
    with torch.no_grad():  # move BatchNorm statistics away from their defaults
        model.train()
        model(torch.cat([z, z.flip(-1)]), "visible", x, "infrared")
    model.eval()
    fast = model.inference_copy()
    assert fast.inference_only and not model.inference_only
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.backbone.modules())
    assert not any(p.requires_grad for p in fast.parameters())
    with torch.inference_mode():
        a = model.match(model.encode_template(z, "visible"), x, "infrared")
        b = fast.match(fast.encode_template(z, "visible"), x, "infrared")
    torch.testing.assert_close(b.score, a.score, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(b.boxes, a.boxes, atol=1e-3, rtol=1e-4)
    assert b.score.is_contiguous() and b.origin == a.origin
    with pytest.raises(RuntimeError, match="inference copy"):
        fast.train()


# --- profiling helpers --------------------------------------------------------------------------------

def test_profile_helpers_count_and_time():
    cfg = small()
    model = build_matcher(cfg)
    assert count_parameters(model) == sum(p.numel() for p in model.parameters()) > 0
    flops = count_flops(model, cfg)
    assert flops > 2 * 1e6
    timing = time_query(model, cfg, warmup=1, runs=2, threads=1)
    assert timing.runs == 2 and 0 < timing.min_ms <= timing.median_ms


def test_default_model_fits_the_parameter_budget():
    model = build_matcher(MatcherConfig())
    assert isinstance(model, Matcher)
    assert count_parameters(model) <= 10_000_000
