"""SiamFC cross-correlation with a learnable BatchNorm adjust of the response."""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor, nn

from models.backbones.common import ConvBNAct
from models.fusion.base import CorrelationFusion, FusionOutput, window_centres, xcorr


class XCorrFusion(CorrelationFusion):
    """Correlates the central template window with the search map over all channels.

    Channel 0 of the output is the response, divided by the kernel volume and
    passed through ``BatchNorm2d(1)`` (SiamFC's learnable scale and bias).
    The other ``hidden`` channels are the search features at each window
    centre, so the box head sees local appearance next to the response; a
    one-channel map alone says little about the target's extent.
    """

    def __init__(self, in_channels: int, hidden: int, window: int):
        super().__init__(window)
        self.adjust = nn.BatchNorm2d(1)
        self.search_proj = ConvBNAct(in_channels, hidden, 1)
        self.out_channels = 1 + hidden

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        return {"kernel": self.crop_window(z)}

    def response(self, prepared: Mapping[str, Tensor], x: Tensor) -> Tensor:
        """The adjusted correlation response ``(S, 1, H, W)``."""
        self.check_search(x)
        kernel = prepared["kernel"]
        return self.adjust(xcorr(x, kernel) / kernel[0].numel())

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        response = self.response(prepared, x)
        local = self.search_proj(window_centres(x, self.window, response.shape[-2:]))
        return FusionOutput(torch.cat([response, local], dim=1), {} if want_attention else None)
