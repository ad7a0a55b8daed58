"""`MatcherConfig`: every architectural choice of the heterologous matcher.

The config is a frozen dataclass, checked in ``__post_init__``. A bad value
raises :class:`MatcherConfigError`, a :class:`core.errors.ConfigError` (user
facing) that is also a ``ValueError`` so ``core.config.config_from_mapping``
prefixes it with the file it came from. Messages start with the field name.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import ConfigError

BACKBONE_CHOICES = ("resnet", "mobilenet")
STRATEGY_CHOICES = ("low-sep-high-share", "shared", "independent")
FUSION_CHOICES = ("light-attention", "attention", "xcorr", "dwxcorr", "acm")
#: Fusions whose score map is a sliding-window correlation over the search features.
CORRELATION_FUSIONS = ("xcorr", "dwxcorr", "acm")
#: Fusions that use the central `template_window` of the template map.
WINDOW_FUSIONS = CORRELATION_FUSIONS + ("light-attention",)
#: Total stride of every backbone (the score-map stride).
STRIDE = 8


class MatcherConfigError(ConfigError, ValueError):
    """A `MatcherConfig` field with a value the matcher cannot be built with."""


def feature_size(image_size: int) -> int:
    """Side of the stride-8 feature map of a square ``image_size`` input."""
    return math.ceil(image_size / STRIDE)


@dataclass(frozen=True)
class MatcherConfig:
    """Architecture of a :class:`models.matcher.Matcher` (see docs/MODELS.md)."""

    backbone: str = "resnet"               # backbone family: resnet | mobilenet
    strategy: str = "low-sep-high-share"   # weight sharing between the modalities
    fusion: str = "light-attention"        # how template and search features meet
    multi_feature: bool = False            # also fuse the earlier stride-8 stage into the output
    width: float = 1.0                     # backbone channel multiplier
    channels: int = 96                     # backbone output channels
    hidden: int = 64                       # correlation-fusion and head channels
    template_window: int = 8               # side, in cells, of the central template window
    attention_dim: int = 64                # token width of the attention fusions
    attention_heads: int = 4
    attention_layers: int = 2              # feature-fusion layers of `attention` (TransT uses 4)
    light_tokens: int = 4                  # `light-attention` pools the template window to N x N tokens
    exemplar_size: int = 127               # template crop side (pixels)
    instance_size: int = 255               # search crop side (pixels)
    box_head: bool = True                  # regress a box at every score cell
    structure_bins: int = 0                # >0: add that many fixed oriented-gradient channels to the input

    def __post_init__(self) -> None:
        _choice("backbone", self.backbone, BACKBONE_CHOICES)
        _choice("strategy", self.strategy, STRATEGY_CHOICES)
        _choice("fusion", self.fusion, FUSION_CHOICES)
        for name in ("multi_feature", "box_head"):
            if not isinstance(getattr(self, name), bool):
                raise MatcherConfigError(f"{name}: expected true or false, got {getattr(self, name)!r}")
        if isinstance(self.width, bool) or not isinstance(self.width, (int, float)) or not 0.25 <= self.width <= 4.0:
            raise MatcherConfigError(f"width: expected a number in [0.25, 4], got {self.width!r}")
        _int_range("channels", self.channels, 8, 1024)
        _int_range("hidden", self.hidden, 8, 1024)
        _int_range("attention_dim", self.attention_dim, 8, 1024)
        _int_range("attention_heads", self.attention_heads, 1, 64)
        _int_range("attention_layers", self.attention_layers, 1, 12)
        _int_range("light_tokens", self.light_tokens, 1, 16)
        _int_range("structure_bins", self.structure_bins, 0, 32)
        _int_range("exemplar_size", self.exemplar_size, 32, 1024)
        _int_range("instance_size", self.instance_size, 32, 2048)
        if self.attention_dim % self.attention_heads:
            raise MatcherConfigError(
                f"attention_dim: {self.attention_dim} is not divisible by attention_heads={self.attention_heads}"
            )
        if self.fusion == "attention" and self.attention_dim % 4:
            raise MatcherConfigError(
                f"attention_dim: {self.attention_dim} must be a multiple of 4 for the sine position encoding"
            )
        if self.fusion in WINDOW_FUSIONS:
            z_cells = feature_size(self.exemplar_size)
            _int_range("template_window", self.template_window, 1, z_cells)
        if self.fusion == "light-attention" and self.light_tokens > self.template_window:
            raise MatcherConfigError(
                f"light_tokens: {self.light_tokens} exceeds template_window={self.template_window}"
            )
        if self.fusion in CORRELATION_FUSIONS and feature_size(self.instance_size) < self.template_window:
            raise MatcherConfigError(
                f"instance_size: {self.instance_size} gives {feature_size(self.instance_size)} feature cells, "
                f"fewer than template_window={self.template_window}"
            )

    @property
    def is_correlation(self) -> bool:
        """True when the score map is a sliding-window correlation (xcorr, dwxcorr, acm)."""
        return self.fusion in CORRELATION_FUSIONS


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise MatcherConfigError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


def _int_range(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MatcherConfigError(f"{name}: expected an integer in [{low}, {high}], got {value!r}")
