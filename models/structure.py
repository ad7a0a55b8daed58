"""Fixed oriented-gradient channels: a modality-invariant view of image structure.

Visible and thermal images disagree about intensity (even its sign) but agree
about *where edges are and which way they run*. This module computes, with
fixed weights, ``n`` channels of gradient magnitude soft-binned by
**unsigned** orientation (so a polarity flip leaves them unchanged), smoothed
over a small neighbourhood and normalised per pixel, as in the CFOG
descriptor (Ye et al., "Fast and robust matching for multimodal remote
sensing image registration", TGRS 2019). The backbone gets them beside the
normalised pixels, so training starts from the cue that the hand-crafted
baseline already exploits instead of having to discover it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class OrientedGradients(nn.Module):
    """``(B, C, H, W)`` images in [0, 1] → ``(B, n, H, W)`` normalised orientation channels."""

    def __init__(self, bins: int = 8, eps: float = 0.05, smooth: int = 5):
        super().__init__()
        self.bins, self.eps, self.smooth = bins, eps, smooth
        sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4.0
        kernel = torch.stack([sobel_x, sobel_x.t()])[:, None]  # (2, 1, 3, 3)
        self.register_buffer("kernel", kernel, persistent=False)
        centres = torch.arange(bins, dtype=torch.float32) * math.pi / bins
        self.register_buffer("cos2", torch.cos(2 * centres).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("sin2", torch.sin(2 * centres).view(1, -1, 1, 1), persistent=False)

    def forward(self, image: Tensor) -> Tensor:
        grey = image.mean(dim=1, keepdim=True)
        g = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), self.kernel)
        gx, gy = g[:, :1], g[:, 1:]
        mag2 = gx * gx + gy * gy
        mag = torch.sqrt(mag2 + 1e-8)
        # cos(2(theta - c)) from the doubled-angle vector (gx^2 - gy^2, 2 gx gy) / |g|^2: unsigned orientation.
        c2 = (gx * gx - gy * gy) / (mag2 + 1e-8)
        s2 = (2 * gx * gy) / (mag2 + 1e-8)
        weight = torch.relu(c2 * self.cos2 + s2 * self.sin2) ** 2
        channels = mag * weight
        pad = self.smooth // 2
        channels = F.avg_pool2d(F.pad(channels, (pad, pad, pad, pad), mode="replicate"), self.smooth, stride=1)
        norm = torch.sqrt((channels * channels).sum(dim=1, keepdim=True)) + self.eps
        return channels / norm
