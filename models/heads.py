"""Score and box heads on the fused map.

The score is one logit per cell. The box branch predicts, at every cell, the
distances ``l, t, r, b`` from the cell centre to the box sides as
``exp(p) * 4 * stride`` (so an untrained head starts near a 64-pixel box,
about a target's size in a SiamFC search crop) and returns xyxy boxes in
search-crop pixels.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from models.backbones.common import ConvBNAct

#: Box sides are ``exp(p) * BOX_BASE_CELLS * stride``; ``p`` is clamped to this range.
BOX_BASE_CELLS = 4.0
LOG_DISTANCE_RANGE = (-6.0, 4.0)


def _tower(in_channels: int, hidden: int) -> nn.Sequential:
    """Depthwise-separable 3x3 then ReLU: local context at a fraction of a dense conv's cost."""
    return nn.Sequential(
        ConvBNAct(in_channels, in_channels, 3, groups=in_channels, act=None),
        ConvBNAct(in_channels, hidden, 1),
    )


def cell_centres(size: tuple[int, int], origin: float, stride: float, like: Tensor) -> tuple[Tensor, Tensor]:
    """Crop-pixel centres ``(cx (1, W), cy (H, 1))`` of a ``size = (H, W)`` score grid."""
    h, w = size
    cx = origin + stride * torch.arange(w, device=like.device, dtype=like.dtype)
    cy = origin + stride * torch.arange(h, device=like.device, dtype=like.dtype)
    return cx.view(1, w), cy.view(h, 1)


class ScoreBoxHead(nn.Module):
    """Classification logits ``(S, 1, H, W)`` and, with ``box_head``, boxes ``(S, 4, H, W)``."""

    def __init__(self, in_channels: int, hidden: int, box_head: bool = True):
        super().__init__()
        self.score_tower = _tower(in_channels, hidden)
        self.score_out = nn.Conv2d(hidden, 1, 1)
        self.box_tower = _tower(in_channels, hidden) if box_head else None
        self.box_out = nn.Conv2d(hidden, 4, 1) if box_head else None

    def init_extra(self) -> None:
        nn.init.normal_(self.score_out.weight, std=0.01)
        nn.init.constant_(self.score_out.bias, -math.log(9.0))  # prior p = 0.1: most cells are background
        if self.box_out is not None:
            nn.init.normal_(self.box_out.weight, std=0.01)
            nn.init.zeros_(self.box_out.bias)

    def forward(self, fused: Tensor, origin: float, stride: float) -> tuple[Tensor, Tensor | None]:
        score = self.score_out(self.score_tower(fused))
        if self.box_tower is None or self.box_out is None:
            return score, None
        log_dist = self.box_out(self.box_tower(fused)).clamp(*LOG_DISTANCE_RANGE)
        ltrb = log_dist.exp() * (BOX_BASE_CELLS * stride)
        cx, cy = cell_centres(fused.shape[-2:], origin, stride, ltrb)
        boxes = torch.stack([cx - ltrb[:, 0], cy - ltrb[:, 1], cx + ltrb[:, 2], cy + ltrb[:, 3]], dim=1)
        return score, boxes
