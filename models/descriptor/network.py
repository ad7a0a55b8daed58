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
import torch.nn.functional as F
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

    def _input(self, cfog: Tensor, grey: Tensor | None, modality: str) -> Tensor:
        if modality not in MODALITIES:
            raise ValueError(f"modality: {modality!r} is not one of {', '.join(MODALITIES)}")
        if not self.config.intensity:
            return cfog
        if grey is None:
            raise ValueError("this DescriptorNet takes the grey level too (intensity = true)")
        return torch.cat([cfog, grey - 0.5], dim=1)

    def forward(self, cfog: Tensor, grey: Tensor | None, modality: str) -> Tensor:
        inp = self._input(cfog, grey, modality)
        x = cfog + self.low[self._low_key[modality]](inp)
        x = x + self.high[self._high_key[modality]](x)
        return _normalised(x)

    def forward_valid(self, cfog: Tensor, grey: Tensor | None, modality: str,
                      edges: tuple[bool, bool, bool, bool] = (False, False, False, False)) -> Tensor:
        """:meth:`forward` without the pixels its zero padding reaches: the output is ``config.radius`` px
        smaller than the input on every side but the ``edges`` (left, right, top, bottom) flagged as the
        region's own border, where the convolutions zero-pad as in :meth:`forward`. On the pixels it returns
        it equals :meth:`forward` on the same input, at a fraction of the work on small regions (every layer
        runs on what the next one needs only)."""
        inp = self._input(cfog, grey, modality)
        low, high = self.low[self._low_key[modality]], self.high[self._high_key[modality]]
        x = _trim(cfog, _reach(low), edges) + _run_valid(low, inp, edges)
        x = _trim(x, _reach(high), edges) + _run_valid(high, x, edges)
        return _normalised(x)


def _normalised(x: Tensor) -> Tensor:
    # sqrt(norm^2 + eps), not sqrt(norm^2) + eps: a flat (all-zero) pixel must not give a NaN gradient
    return x / (x.pow(2).sum(dim=1, keepdim=True) + 1e-12).sqrt()


def _reach(stage: nn.Sequential) -> int:
    """Pixels of context one stage needs on each side: the sum of its convolutions' dilations."""
    return sum(m.dilation[0] for m in stage if isinstance(m, nn.Conv2d))


def _trim(x: Tensor, k: int, edges: tuple[bool, bool, bool, bool]) -> Tensor:
    """``x`` without ``k`` px on each side not flagged in ``edges`` (left, right, top, bottom)."""
    left, right, top, bottom = (0 if e else k for e in edges)
    h, w = x.shape[-2:]
    return x[..., top:h - bottom, left:w - right]


def _run_valid(stage: nn.Sequential, x: Tensor, edges: tuple[bool, bool, bool, bool]) -> Tensor:
    """``stage`` with unpadded convolutions, except on the ``edges`` sides, zero-padded as the layers are."""
    for m in stage:
        if isinstance(m, nn.Conv2d):
            d = m.dilation[0]
            pads = tuple(d if e else 0 for e in edges)
            if any(pads):
                x = F.pad(x, pads)
            x = F.conv2d(x, m.weight, m.bias, stride=1, padding=0, dilation=m.dilation)
        else:
            x = m(x)
    return x

