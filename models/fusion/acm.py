"""Asymmetric convolution module (ACM): a conv over ``[z; x_window]`` split into two cheap parts.

Concatenating the template window with every search window and applying a
``k×k`` convolution (kernel as large as the window) gives one vector per
search position. Because convolution is linear in its input channels, its
weight splits into a template part and a search part:

    W * [z; x_w] = W_z * z + W_x * x_w

``W_z * z`` is one vector per template, computed once in ``prepare``;
``W_x * x`` is an ordinary ``k×k`` convolution over the whole search map.
The sum broadcasts the template vector over every window, which costs one
convolution instead of one concatenation and convolution per window.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from models.backbones.common import ConvBNAct
from models.fusion.base import CorrelationFusion, FusionOutput


class AsymmetricConvFusion(CorrelationFusion):
    """ACM over ``reduced``-channel features producing ``hidden`` channels per search window."""

    def __init__(self, in_channels: int, hidden: int, window: int, reduced: int | None = None):
        super().__init__(window)
        self.reduced = reduced or max(8, hidden // 4)
        self.reduce_template = ConvBNAct(in_channels, self.reduced, 1)
        self.reduce_search = ConvBNAct(in_channels, self.reduced, 1)
        # The weight of the conv over the concatenation: first `reduced` input channels for z, the rest for x.
        self.weight = nn.Parameter(torch.empty(hidden, 2 * self.reduced, window, window))
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.norm = nn.BatchNorm2d(hidden)
        self.out_channels = hidden
        self.init_extra()

    def init_extra(self) -> None:
        nn.init.kaiming_normal_(self.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(self.bias)

    @property
    def template_weight(self) -> Tensor:
        return self.weight[:, : self.reduced]

    @property
    def search_weight(self) -> Tensor:
        return self.weight[:, self.reduced:]

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        window = self.crop_window(self.reduce_template(z))
        return {"template_part": F.conv2d(window, self.template_weight, self.bias)}  # (B, hidden, 1, 1)

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        self.check_search(x)
        search_part = F.conv2d(self.reduce_search(x), self.search_weight)  # (S, hidden, H, W)
        fused = F.relu(self.norm(search_part + prepared["template_part"]), inplace=True)
        return FusionOutput(fused, {} if want_attention else None)
