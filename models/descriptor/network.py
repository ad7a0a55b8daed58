"""`DescriptorNet`: residual refinement of CFOG channels, one stage per modality and one shared.

Input: the L2-normalised CFOG descriptor ``(B, C, H, W)`` of a region (and
its grey level in [0, 1] when ``intensity``), computed by
:func:`models.classic.cfog.cfog_descriptor`, which has no parameters. Output:
a descriptor of the same shape, L2-normalised per pixel. Each stage adds a
correction whose last convolution starts at zero, so an untrained network
returns its CFOG input unchanged.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from models.descriptor.config import DescriptorConfig

MODALITIES = ("visible", "infrared")


def _stage(cin: int, cout: int, hidden: int, layers: int, dilation: int) -> nn.Sequential:
    mods: list[nn.Module] = []
    c = cin
    for _ in range(layers):
        mods += [nn.Conv2d(c, hidden, 3, padding=dilation, dilation=dilation),
                 nn.ReLU(inplace=True)]
        c = hidden
    out = nn.Conv2d(c, cout, 3, padding=dilation, dilation=dilation)
    nn.init.zeros_(out.weight)
    nn.init.zeros_(out.bias)
    mods.append(out)
    return nn.Sequential(*mods)


class DescriptorNet(nn.Module):
    """Stateless: ``forward(cfog, grey, modality)`` -> refined, L2-normalised descriptor."""

    def __init__(self, config: DescriptorConfig = DescriptorConfig()):
        super().__init__()
        self.config = config
        c = config.n_orientations
        cin = c + (1 if config.intensity else 0)

        def modality_stage() -> nn.Sequential:
            return _stage(cin, c, config.hidden, config.modality_layers, 1)

        def shared_stage() -> nn.Sequential:
            return _stage(c, c, config.hidden, config.shared_layers, config.shared_dilation)

        if config.strategy == "shared":
            low = modality_stage()
            self.low = nn.ModuleDict({"visible": low})
            self._low_key = {"visible": "visible", "infrared": "visible"}
        else:
            self.low = nn.ModuleDict({m: modality_stage() for m in MODALITIES})
            self._low_key = {m: m for m in MODALITIES}
        if config.strategy == "independent":
            self.high = nn.ModuleDict({m: shared_stage() for m in MODALITIES})
            self._high_key = {m: m for m in MODALITIES}
        else:
            self.high = nn.ModuleDict({"shared": shared_stage()})
            self._high_key = {m: "shared" for m in MODALITIES}

    def forward(self, cfog: Tensor, grey: Tensor | None, modality: str) -> Tensor:
        if modality not in MODALITIES:
            raise ValueError(f"modality: {modality!r} is not one of {', '.join(MODALITIES)}")
        inp = cfog
        if self.config.intensity:
            if grey is None:
                raise ValueError("this DescriptorNet takes the grey level too (intensity = true)")
            inp = torch.cat([cfog, grey - 0.5], dim=1)
        x = cfog + self.low[self._low_key[modality]](inp)
        x = x + self.high[self._high_key[modality]](x)
        # sqrt(norm^2 + eps), not sqrt(norm^2) + eps: a flat (all-zero) pixel must not give a NaN gradient
        return x / (x.pow(2).sum(dim=1, keepdim=True) + 1e-12).sqrt()

