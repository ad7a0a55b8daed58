"""How the two modalities share backbone weights.

- ``shared``: one backbone (plain Siamese); the infrared image is normalised
  and replicated to three channels.
- ``low-sep-high-share`` (default): a visible low stage taking RGB and an
  infrared low stage taking one channel, then one shared high stage. Low
  layers see modality-specific statistics (edges, texture vs. heat); the
  high layers map both into one embedding where matching happens.
- ``independent``: no weights shared (pseudo-Siamese).

Each strategy normalises inputs in [0, 1] itself and returns the stride-4
low features and the stride-8 high features of one modality.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from models.backbones import BackboneFamily
from models.backbones.common import InputNorm
from models.structure import OrientedGradients

MODALITIES = ("visible", "infrared")
#: Input channels of each modality's images.
MODALITY_CHANNELS = {"visible": 3, "infrared": 1}
_NORM = {
    "visible": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),  # ImageNet statistics
    "infrared": ((0.45,), (0.25,)),
}


class ModalityBackbone(nn.Module):
    """Base class: per-modality normalisation, then ``stages(modality)``."""

    strategy = ""

    def __init__(self, family: BackboneFamily, structure_bins: int = 0):
        super().__init__()
        self.norm = nn.ModuleDict({m: InputNorm(*_NORM[m]) for m in MODALITIES})
        self.low_channels = family.low_channels
        self.out_channels = family.out_channels
        self.structure = OrientedGradients(structure_bins) if structure_bins > 0 else None
        self.extra_channels = structure_bins

    def _with_structure(self, normalised: Tensor, image: Tensor) -> Tensor:
        if self.structure is None:
            return normalised
        return torch.cat([normalised, self.structure(image)], dim=1)

    def stages(self, modality: str) -> tuple[nn.Module, nn.Module]:
        """The (low, high) modules that process images of ``modality``."""
        raise NotImplementedError

    def prepare(self, image: Tensor, modality: str) -> Tensor:
        """Normalised input (plus structure channels) as the low stage of ``modality`` expects it."""
        return self._with_structure(self.norm[modality](image), image)

    def forward(self, image: Tensor, modality: str) -> tuple[Tensor, Tensor]:
        """``(low, high)`` features: stride 4 / ``low_channels`` and stride 8 / ``out_channels``."""
        low, high = self.stages(modality)
        low_features = low(self.prepare(image, modality))
        return low_features, high(low_features)


class SharedBackbone(ModalityBackbone):
    """One backbone for both modalities; infrared is replicated to three channels."""

    strategy = "shared"

    def __init__(self, family: BackboneFamily, structure_bins: int = 0):
        super().__init__(family, structure_bins)
        self.low = family.make_low(3 + self.extra_channels)
        self.high = family.make_high()

    def stages(self, modality: str) -> tuple[nn.Module, nn.Module]:
        return self.low, self.high

    def prepare(self, image: Tensor, modality: str) -> Tensor:
        x = self.norm[modality](image)
        return self._with_structure(x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x, image)


class LowSepHighShareBackbone(ModalityBackbone):
    """Modality-specific low stages (RGB / one channel), one shared high stage."""

    strategy = "low-sep-high-share"

    def __init__(self, family: BackboneFamily, structure_bins: int = 0):
        super().__init__(family, structure_bins)
        self.low = nn.ModuleDict({m: family.make_low(c + self.extra_channels) for m, c in MODALITY_CHANNELS.items()})
        self.high = family.make_high()

    def stages(self, modality: str) -> tuple[nn.Module, nn.Module]:
        return self.low[modality], self.high


class IndependentBackbone(ModalityBackbone):
    """A complete backbone per modality; nothing shared."""

    strategy = "independent"

    def __init__(self, family: BackboneFamily, structure_bins: int = 0):
        super().__init__(family, structure_bins)
        self.low = nn.ModuleDict({m: family.make_low(c + self.extra_channels) for m, c in MODALITY_CHANNELS.items()})
        self.high = nn.ModuleDict({m: family.make_high() for m in MODALITIES})

    def stages(self, modality: str) -> tuple[nn.Module, nn.Module]:
        return self.low[modality], self.high[modality]


STRATEGIES: dict[str, type[ModalityBackbone]] = {
    "shared": SharedBackbone,
    "low-sep-high-share": LowSepHighShareBackbone,
    "independent": IndependentBackbone,
}
