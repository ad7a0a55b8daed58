"""Registries from config names to builders, and :func:`build_matcher`.

Plain dicts of callables (no importlib, no class lookup by string). The keys
equal the choices that :class:`models.config.MatcherConfig` validates.
"""
from __future__ import annotations

from typing import Callable

from models.backbones import BackboneFamily, MobileNetFamily, ResNetFamily
from models.backbones.common import init_weights
from models.config import MatcherConfig
from models.fusion import (
    AsymmetricConvFusion,
    AttentionFusion,
    DepthwiseXCorrFusion,
    Fusion,
    LightAttentionFusion,
    XCorrFusion,
)
from models.heads import ScoreBoxHead
from models.matcher import Matcher
from models.strategies import STRATEGIES, ModalityBackbone

#: name -> family builder ``(width, out_channels, multi_feature)``.
BACKBONES: dict[str, Callable[..., BackboneFamily]] = {
    "resnet": ResNetFamily,
    "mobilenet": MobileNetFamily,
}

#: name -> builder ``(cfg, in_channels) -> Fusion``.
FUSIONS: dict[str, Callable[[MatcherConfig, int], Fusion]] = {
    "xcorr": lambda cfg, c: XCorrFusion(c, cfg.hidden, cfg.template_window),
    "dwxcorr": lambda cfg, c: DepthwiseXCorrFusion(c, cfg.hidden, cfg.template_window),
    "acm": lambda cfg, c: AsymmetricConvFusion(c, cfg.hidden, cfg.template_window),
    "attention": lambda cfg, c: AttentionFusion(c, cfg.attention_dim, cfg.attention_heads, cfg.attention_layers),
    "light-attention": lambda cfg, c: LightAttentionFusion(
        c, cfg.attention_dim, cfg.attention_heads, cfg.template_window, cfg.light_tokens
    ),
}

__all__ = ["BACKBONES", "FUSIONS", "STRATEGIES", "build_backbone", "build_matcher"]


def build_backbone(cfg: MatcherConfig) -> ModalityBackbone:
    """The backbone family of ``cfg`` wrapped in its sharing strategy."""
    family = BACKBONES[cfg.backbone](width=cfg.width, out_channels=cfg.channels, multi_feature=cfg.multi_feature)
    return STRATEGIES[cfg.strategy](family, cfg.structure_bins)


def build_matcher(cfg: MatcherConfig) -> Matcher:
    """A freshly initialised :class:`Matcher` for ``cfg``."""
    backbone = build_backbone(cfg)
    fusion = FUSIONS[cfg.fusion](cfg, backbone.out_channels)
    head = ScoreBoxHead(fusion.out_channels, cfg.hidden, cfg.box_head)
    model = Matcher(backbone, fusion, head, cfg)
    init_weights(model)
    return model
