"""The heterologous matcher: find a template of one modality in a search image of another.

``Matcher(backbone, fusion, head)`` is stateless: ``encode_template`` returns
a frozen :class:`TemplateFeatures` that the caller keeps (the tracker stores
one per modality) and passes to ``match`` for every frame.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

import torch
from torch import Tensor, nn

from models.backbones.common import fold_batchnorm

from models.config import STRIDE, MatcherConfig
from models.fusion.base import Fusion
from models.heads import ScoreBoxHead
from models.strategies import MODALITIES, MODALITY_CHANNELS, ModalityBackbone

#: What ``match(..., want=...)`` can return besides score and boxes.
WANT_CHOICES = ("attention", "features")


class FrozenTensors(Mapping[str, Tensor]):
    """A read-only name -> tensor mapping (unlike ``MappingProxyType`` it can be deep-copied)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Tensor]):
        self._items = dict(items)

    def __getitem__(self, key: str) -> Tensor:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FrozenTensors({', '.join(f'{k}: {tuple(v.shape)}' for k, v in self._items.items())})"


@dataclass(frozen=True, eq=False)
class TemplateFeatures:
    """Template features of ``B`` targets, computed once and reused for every search.

    ``low``/``high`` are the backbone maps (stride 4 / stride 8); ``prepared``
    holds the fusion's template-side tensors; ``image_size`` is the template
    crop side in pixels.
    """

    modality: str
    low: Tensor
    high: Tensor
    prepared: Mapping[str, Tensor]
    image_size: int

    @property
    def batch(self) -> int:
        return self.high.shape[0]


@dataclass(frozen=True, eq=False)
class MatchOutput:
    """Result of matching a template against ``S`` search images.

    ``score`` ``(S, 1, H, W)`` logits; the centre of cell ``(i, j)`` is the
    search-crop point ``(origin + stride*j, origin + stride*i)``. ``boxes``
    ``(S, 4, H, W)`` xyxy in search-crop pixels, or ``None`` without a box
    head. ``attention`` and ``features`` are dicts only when asked for.
    """

    score: Tensor
    boxes: Tensor | None
    origin: float
    stride: float
    attention: dict[str, Tensor] | None = None
    features: dict[str, Tensor] | None = None


class Matcher(nn.Module):
    """Backbone (with its modality-sharing strategy), fusion and head."""

    stride = STRIDE

    def __init__(
        self, backbone: ModalityBackbone, fusion: Fusion, head: ScoreBoxHead, config: MatcherConfig | None = None,
    ):
        super().__init__()
        self.backbone = backbone
        self.fusion = fusion
        self.head = head
        self.config = config
        self.inference_only = False

    def train(self, mode: bool = True) -> "Matcher":
        if mode and self.inference_only:
            raise RuntimeError("this Matcher is an inference copy (BatchNorm folded): train the original model")
        return super().train(mode)

    def inference_copy(self, channels_last: bool = True) -> "Matcher":
        """A deployment copy: eval mode, BatchNorm folded into the convolutions, channels-last weights.

        Gives the same outputs up to float rounding, with fewer memory passes
        per layer. It cannot be trained or saved; keep the original for that.
        """
        model = copy.deepcopy(self).eval()
        fold_batchnorm(model)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        model.requires_grad_(False)
        model.inference_only = True
        return model

    def encode_template(self, image: Tensor, modality: str) -> TemplateFeatures:
        """Encode ``B`` template crops ``(B, C, E, E)`` in [0, 1] (C = 3 visible, 1 infrared)."""
        _check_image(image, modality, "template")
        low, high = self.backbone(image, modality)
        prepared = self.fusion.prepare(high)
        return TemplateFeatures(modality, low, high, FrozenTensors(prepared), int(image.shape[-1]))

    def match(
        self, template: TemplateFeatures, search: Tensor, modality: str, want: Iterable[str] = (),
    ) -> MatchOutput:
        """Score ``S`` search crops ``(S, C, X, X)`` of ``modality`` against ``template`` (batch 1 or S)."""
        wanted = _check_want(want)
        _check_image(search, modality, "search")
        s = search.shape[0]
        if template.batch not in (1, s):
            raise ValueError(f"template batch {template.batch} cannot pair with {s} search images (need 1 or {s})")
        low, high = self.backbone(search, modality)
        fused = self.fusion(template.prepared, high, want_attention="attention" in wanted)
        origin = float(self.fusion.origin(template.high.shape[-1], template.image_size, self.stride))
        score, boxes = self.head(fused.features, origin, float(self.stride))
        features = None
        if "features" in wanted:
            features = {
                "template.low": template.low, "template.high": template.high,
                "search.low": low, "search.high": high, "fused": fused.features,
            }
        attention = (fused.attention or {}) if "attention" in wanted else None
        boxes = None if boxes is None else boxes.contiguous()
        return MatchOutput(score.contiguous(), boxes, origin, float(self.stride), attention, features)

    def forward(
        self, template: Tensor, template_modality: str, search: Tensor, search_modality: str,
        want: Iterable[str] = (),
    ) -> MatchOutput:
        """Training entry point: ``encode_template`` then ``match`` (B templates pair with B searches)."""
        return self.match(self.encode_template(template, template_modality), search, search_modality, want)


def _check_want(want: Iterable[str]) -> frozenset[str]:
    wanted = frozenset((want,) if isinstance(want, str) else want)
    unknown = sorted(wanted - set(WANT_CHOICES))
    if unknown:
        raise ValueError(f"want: {unknown[0]!r} is not one of {', '.join(WANT_CHOICES)}")
    return wanted


def _check_image(image: Tensor, modality: str, role: str) -> None:
    if modality not in MODALITIES:
        raise ValueError(f"{role} modality: {modality!r} is not one of {', '.join(MODALITIES)}")
    channels = MODALITY_CHANNELS[modality]
    if not isinstance(image, Tensor) or image.dim() != 4 or image.shape[1] != channels:
        shape = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"{role} image: expected a ({'B' if role == 'template' else 'S'}, {channels}, N, N) "
                         f"{modality} tensor, got {shape}")
    if image.shape[-1] != image.shape[-2]:
        raise ValueError(f"{role} image: expected a square crop, got {image.shape[-2]}x{image.shape[-1]}")
    if not image.is_floating_point():
        raise ValueError(f"{role} image: expected floats in [0, 1], got {image.dtype}")
