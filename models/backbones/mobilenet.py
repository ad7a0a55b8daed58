"""MobileNetV3-style backbone at output stride 8: inverted residuals, SE, hard-swish.

The early blocks follow MobileNetV3-Small (one depthwise stride-2 conv on
the 128x128 map, no expansion there), the stride-8 blocks MobileNetV3-Large
(5x5 kernels, SE); the stride-16/32 stages are replaced by a dilated block
at stride 8 (as SiamRPN++ does for its backbones), so the map keeps the
resolution localisation needs. Sized for a CPU budget; ``width`` scales it.
"""
from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn

from models.backbones.common import ConvBNAct, HighStages, SqueezeExcite, make_divisible


class Block(NamedTuple):
    """One inverted-residual block: kernel, expansion and output channels, SE, activation, stride, dilation."""

    kernel: int
    expand: int
    out: int
    se: bool
    act: str
    stride: int = 1
    dilation: int = 1


STEM_CHANNELS = 16
LOW_BLOCKS = (  # stride 2 -> 4; the 128x128 map gets a single depthwise conv (MobileNetV3-Small's first block)
    Block(3, 16, 16, False, "relu", stride=2),
    Block(3, 48, 24, False, "relu"),
)
MID_BLOCKS = (  # stride 4 -> 8
    Block(5, 72, 40, True, "relu", stride=2),
    Block(5, 120, 40, True, "relu"),
)
DEEP_BLOCKS = (  # stays at stride 8, dilated
    Block(3, 160, 64, True, "hswish", dilation=2),
)


class InvertedResidual(nn.Module):
    """1x1 expand, depthwise kxk (stride/dilation), optional SE, 1x1 project; residual when shapes allow."""

    def __init__(self, in_channels: int, block: Block, width: float):
        super().__init__()
        expand = make_divisible(block.expand * width)
        out = make_divisible(block.out * width)
        layers: list[nn.Module] = []
        if expand != in_channels:
            layers.append(ConvBNAct(in_channels, expand, 1, act=block.act))
        layers.append(
            ConvBNAct(expand, expand, block.kernel, block.stride, groups=expand, dilation=block.dilation, act=block.act)
        )
        if block.se:
            layers.append(SqueezeExcite(expand))
        layers.append(ConvBNAct(expand, out, 1, act=None))
        self.body = nn.Sequential(*layers)
        self.residual = block.stride == 1 and in_channels == out
        self.out_channels = out

    def forward(self, x: Tensor) -> Tensor:
        y = self.body(x)
        return x + y if self.residual else y


def _stage(in_channels: int, blocks: tuple[Block, ...], width: float) -> tuple[nn.Sequential, int]:
    layers = []
    for block in blocks:
        layer = InvertedResidual(in_channels, block, width)
        layers.append(layer)
        in_channels = layer.out_channels
    return nn.Sequential(*layers), in_channels


class MobileNetFamily:
    """Builds the modality-specific low stages and the (shareable) high stages."""

    name = "mobilenet"

    def __init__(self, width: float = 1.0, out_channels: int = 96, multi_feature: bool = False):
        self.width = width
        self.out_channels = out_channels
        self.multi_feature = multi_feature
        self.stem_channels = make_divisible(STEM_CHANNELS * width)
        self.low_channels = _stage(self.stem_channels, LOW_BLOCKS, width)[1]

    def make_low(self, in_channels: int) -> nn.Module:
        """Stem and stride-4 stage for an input with ``in_channels`` channels."""
        stages, _ = _stage(self.stem_channels, LOW_BLOCKS, self.width)
        return nn.Sequential(ConvBNAct(in_channels, self.stem_channels, 3, 2, act="hswish"), *stages)

    def make_high(self) -> HighStages:
        """Stride-8 stage, dilated stride-8 stage and the output neck."""
        mid, mid_channels = _stage(self.low_channels, MID_BLOCKS, self.width)
        deep, deep_channels = _stage(mid_channels, DEEP_BLOCKS, self.width)
        return HighStages(mid, deep, mid_channels, deep_channels, self.out_channels, self.multi_feature)
