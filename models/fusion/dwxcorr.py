"""Depthwise cross-correlation with adjust convolutions (SiamRPN++)."""
from __future__ import annotations

from typing import Mapping

from torch import Tensor, nn

from models.backbones.common import ConvBNAct
from models.fusion.base import CorrelationFusion, FusionOutput, xcorr_depthwise


def _adjust(in_channels: int, hidden: int) -> nn.Sequential:
    """Depthwise-separable 3x3 adjust: cheaper than SiamRPN++'s dense 3x3 at the same receptive field."""
    return nn.Sequential(
        ConvBNAct(in_channels, in_channels, 3, groups=in_channels, act=None),
        ConvBNAct(in_channels, hidden, 1),
    )


class DepthwiseXCorrFusion(CorrelationFusion):
    """Adjusts template and search features separately, then correlates channel by channel.

    The output keeps ``hidden`` channels (one response per channel), divided
    by the window area and batch-normalised.
    """

    def __init__(self, in_channels: int, hidden: int, window: int):
        super().__init__(window)
        self.adjust_template = _adjust(in_channels, hidden)
        self.adjust_search = _adjust(in_channels, hidden)
        self.norm = nn.BatchNorm2d(hidden)
        self.out_channels = hidden

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        # Adjust the whole template map first, so the window's border cells see real neighbours.
        return {"kernel": self.crop_window(self.adjust_template(z))}

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        self.check_search(x)
        response = xcorr_depthwise(self.adjust_search(x), prepared["kernel"]) / (self.window * self.window)
        return FusionOutput(self.norm(response), {} if want_attention else None)
