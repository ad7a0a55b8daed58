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

    def forward_window(self, cfog: Tensor, grey: Tensor | None, modality: str,
                       outside: tuple[int, int, int, int] = (0, 0, 0, 0)) -> Tensor:
        """:meth:`forward` on a region, computed for one window of it: the input is the window plus
        ``config.radius`` px on every side, of which ``outside`` (left, right, top, bottom) columns and rows lie
        beyond the region (zeros). The output is the window, ``radius`` px smaller on every side, and equals
        :meth:`forward` on the region there.

        Each layer runs unpadded on what the next one needs and zeroes what lies beyond the region, as the
        zero padding of :meth:`forward` does there. The shapes depend on the window's size only, not on where
        it lies, so a matcher meets few of them (oneDNN prepares its kernels once per shape)."""
        inp = self._input(cfog, grey, modality)
        if inp is not cfog:  # the grey level, shifted by -0.5, is not zero beyond the region
            _zero_outside(inp, outside)
        low, high = self.low[self._low_key[modality]], self.high[self._high_key[modality]]
        y, outside = _run_window(low, inp, outside)
        x = _trim(cfog, _reach(low)) + y
        y, _ = _run_window(high, x, outside)
        x = _trim(x, _reach(high)) + y
        return _normalised(x)


def _normalised(x: Tensor) -> Tensor:
    # sqrt(norm^2 + eps), not sqrt(norm^2) + eps: a flat (all-zero) pixel must not give a NaN gradient
    return x / (x.pow(2).sum(dim=1, keepdim=True) + 1e-12).sqrt()


def _reach(stage: nn.Sequential) -> int:
    """Pixels of context one stage needs on each side: the sum of its convolutions' dilations."""
    return sum(m.dilation[0] for m in stage if isinstance(m, nn.Conv2d))


def _trim(x: Tensor, k: int) -> Tensor:
    """``x`` without ``k`` px on every side."""
    h, w = x.shape[-2:]
    return x[..., k:h - k, k:w - k]


def _zero_outside(x: Tensor, outside: tuple[int, int, int, int]) -> None:
    """Set the ``outside`` (left, right, top, bottom) columns and rows of ``x`` to zero, in place."""
    left, right, top, bottom = outside
    h, w = x.shape[-2:]
    if left:
        x[..., :left] = 0
    if right:
        x[..., w - right:] = 0
    if top:
        x[..., :top, :] = 0
    if bottom:
        x[..., h - bottom:, :] = 0


def _run_window(stage: nn.Sequential, x: Tensor,
                outside: tuple[int, int, int, int]) -> tuple[Tensor, tuple[int, int, int, int]]:
    """``stage`` with unpadded convolutions, each output zeroed where it lies beyond the region; returns the
    output and its ``outside`` counts."""
    for m in stage:
        if isinstance(m, nn.Conv2d):
            d = m.dilation[0]
            x = F.conv2d(x, m.weight, m.bias, stride=1, padding=0, dilation=m.dilation)
            outside = tuple(max(o - d, 0) for o in outside)
            _zero_outside(x, outside)
        else:
            x = m(x)
    return x, outside
