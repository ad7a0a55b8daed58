"""`DescriptorConfig`: the architecture of a :class:`models.descriptor.network.DescriptorNet`."""
from __future__ import annotations

from dataclasses import dataclass

from core.errors import ConfigError

STRATEGY_CHOICES = ("low-sep-high-share", "shared", "independent")


class DescriptorConfigError(ConfigError, ValueError):
    """A `DescriptorConfig` field with a value the network cannot be built with."""


@dataclass(frozen=True)
class DescriptorConfig:
    """Fixed CFOG front end, then residual refinement stages (see docs/DESCRIPTOR.md)."""

    # CFOG orientation channels = descriptor channels; 8 fills the CPU's 8-float vectors (with 9 a 16->9
    # convolution cost what a 16->16 one does, docs/DESCRIPTOR.md)
    n_orientations: int = 8
    sigma: float = 0.8               # CFOG spatial Gaussian, pixels
    strategy: str = "low-sep-high-share"  # which stages the two modalities share
    hidden: int = 16                 # channels inside the residual stages
    modality_layers: int = 1         # hidden 3x3 layers of the modality stage (plus its output layer)
    shared_layers: int = 1           # hidden 3x3 layers of the shared stage (plus its output layer)
    shared_dilation: int = 2         # dilation of the shared stage's 3x3 convolutions
    intensity: bool = False          # the modality stage also sees the grey level (no better on validation)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGY_CHOICES:
            raise DescriptorConfigError(f"strategy: {self.strategy!r} is not one of {', '.join(STRATEGY_CHOICES)}")
        for name, low in (("n_orientations", 2), ("hidden", 1), ("modality_layers", 0), ("shared_layers", 0),
                          ("shared_dilation", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise DescriptorConfigError(f"{name}: expected an integer >= {low}, got {value!r}")
        if isinstance(self.sigma, bool) or not isinstance(self.sigma, (int, float)) or not 0 <= self.sigma <= 4:
            raise DescriptorConfigError(f"sigma: expected a number in [0, 4], got {self.sigma!r}")
        if not isinstance(self.intensity, bool):
            raise DescriptorConfigError(f"intensity: expected true or false, got {self.intensity!r}")

    @property
    def radius(self) -> int:
        """Pixels of context the network adds to CFOG's own margin (each 3x3 layer adds its dilation)."""
        return (self.modality_layers + 1) + (self.shared_layers + 1) * self.shared_dilation
