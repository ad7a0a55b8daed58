"""Compact ResNet-style backbone at output stride 8 (basic residual blocks).

A slim ResNet-18 layout: a two-convolution stem to stride 4, one basic block
per stage, and a dilated last stage that stays at stride 8. Dense 3x3
convolutions suit CPU kernels well, at more FLOPs than the MobileNet family.
"""
from __future__ import annotations

from torch import Tensor, nn

from models.backbones.common import ConvBNAct, HighStages, make_divisible

STEM_CHANNELS = (16, 24)   # stride 2, stride 4
LOW_CHANNELS = 24          # basic block at stride 4
MID_CHANNELS = 48          # basic block to stride 8
DEEP_CHANNELS = 64         # dilated basic block at stride 8


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with an identity or 1x1 projection shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv1 = ConvBNAct(in_channels, out_channels, 3, stride, dilation=dilation)
        self.conv2 = ConvBNAct(out_channels, out_channels, 3, dilation=dilation, act=None)
        self.shortcut = (
            ConvBNAct(in_channels, out_channels, 1, stride, act=None)
            if stride != 1 or in_channels != out_channels
            else nn.Identity()
        )
        self.act = nn.ReLU(inplace=True)
        self.out_channels = out_channels

    def init_extra(self) -> None:
        """Zero the last BN scale so the block starts as its shortcut (eases training from scratch)."""
        nn.init.zeros_(self.conv2[1].weight)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.conv2(self.conv1(x)) + self.shortcut(x))


class ResNetFamily:
    """Builds the modality-specific low stages and the (shareable) high stages."""

    name = "resnet"

    def __init__(self, width: float = 1.0, out_channels: int = 96, multi_feature: bool = False):
        self.width = width
        self.out_channels = out_channels
        self.multi_feature = multi_feature
        self.stem = tuple(make_divisible(c * width) for c in STEM_CHANNELS)
        self.low_channels = make_divisible(LOW_CHANNELS * width)
        self.mid_channels = make_divisible(MID_CHANNELS * width)
        self.deep_channels = make_divisible(DEEP_CHANNELS * width)

    def make_low(self, in_channels: int) -> nn.Module:
        """Stem and stride-4 stage for an input with ``in_channels`` channels."""
        return nn.Sequential(
            ConvBNAct(in_channels, self.stem[0], 3, 2),
            ConvBNAct(self.stem[0], self.stem[1], 3, 2),
            BasicBlock(self.stem[1], self.low_channels),
        )

    def make_high(self) -> HighStages:
        """Stride-8 stage, dilated stride-8 stage and the output neck."""
        mid = BasicBlock(self.low_channels, self.mid_channels, stride=2)
        deep = BasicBlock(self.mid_channels, self.deep_channels, dilation=2)
        return HighStages(mid, deep, self.mid_channels, self.deep_channels, self.out_channels, self.multi_feature)
