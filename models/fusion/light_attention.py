"""Light attention fusion: one cross-attention from search cells to pooled template parts.

The template window is pooled to ``P×P`` part tokens; their keys and values
are computed once per target in ``prepare``. Per search batch the only
attention is ``H·W`` queries against ``P²`` keys (TransT's search
self-attention is ``(H·W)²``). The fused map concatenates

- the projected search features,
- the attention read-out (template part values aggregated per cell), and
- the raw query-key similarities of every head and part (a pixel-wise
  correlation with each template part, which keeps *how well* a cell
  matches; the softmax read-out alone only says *what* it matched),

then mixes them with a 1x1 convolution and a depthwise-separable residual
block. Tokens are ``(S, H·W, C)``; for channels-last maps (the inference
layout) going between maps and tokens is free.
"""
from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from models.backbones.common import ConvBNAct
from models.fusion.base import Fusion, FusionOutput


def to_tokens(x: Tensor) -> Tensor:
    """``(S, C, H, W)`` -> ``(S, H·W, C)`` (a view for channels-last maps)."""
    return x.flatten(2).transpose(1, 2)


def to_map(t: Tensor, h: int, w: int) -> Tensor:
    """``(S, H·W, C)`` -> ``(S, C, H, W)`` (a channels-last view for contiguous tokens)."""
    return t.transpose(1, 2).reshape(t.shape[0], t.shape[2], h, w)


class LightAttentionFusion(Fusion):
    """Search-to-template cross-attention over ``tokens²`` pooled parts of the template window.

    Asked-for attention: ``cross.search_to_template`` ``(S, H, W, P, P)``,
    averaged over heads.
    """

    has_attention = True

    def __init__(self, in_channels: int, dim: int, heads: int, window: int, tokens: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"attention dim {dim} is not divisible by {heads} heads")
        self.dim, self.heads, self.window, self.tokens = dim, heads, window, tokens
        self.proj = nn.Linear(in_channels, dim)
        self.part_embed = nn.Parameter(torch.zeros(1, tokens * tokens, dim))
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.query = nn.Linear(dim, dim)
        self.fuse = ConvBNAct(2 * dim + heads * tokens * tokens, dim, 1)
        self.mix = nn.Sequential(
            ConvBNAct(dim, dim, 3, groups=dim),
            ConvBNAct(dim, dim, 1, act=None),
        )
        self.out_channels = dim

    def init_extra(self) -> None:
        nn.init.normal_(self.part_embed, std=0.02)

    def _split(self, t: Tensor) -> Tensor:
        s, n, _ = t.shape
        return t.reshape(s, n, self.heads, self.dim // self.heads).transpose(1, 2)  # (S, h, n, dh)

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        t0 = (z.shape[-2] - self.window) // 2
        t1 = (z.shape[-1] - self.window) // 2
        if min(t0, t1) < 0:
            raise ValueError(
                f"template feature map {tuple(z.shape[-2:])} is smaller than the {self.window}-cell window"
            )
        window = z[..., t0:t0 + self.window, t1:t1 + self.window]
        # Average pooling commutes with the linear projection, so pool first (fewer tokens to project).
        parts = self.proj(to_tokens(F.adaptive_avg_pool2d(window, self.tokens)))  # (B, P², dim)
        keys = self._split(self.key(parts + self.part_embed)) * (self.dim // self.heads) ** -0.5
        return {"keys": keys.transpose(-2, -1).contiguous(), "values": self._split(self.value(parts)).contiguous()}

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        s, _, h, w = x.shape
        xt = self.proj(to_tokens(x))                                 # (S, L, dim)
        logits = self._split(self.query(xt)) @ prepared["keys"]      # (S, heads, L, P²)
        attn = logits.softmax(dim=-1)
        read = (attn @ prepared["values"]).transpose(1, 2).reshape(s, h * w, self.dim)
        similarity = logits.transpose(1, 2).reshape(s, h * w, -1)    # (S, L, heads·P²)
        fused = self.fuse(to_map(torch.cat([xt, read, similarity], dim=2), h, w))
        fused = F.relu(fused + self.mix(fused), inplace=True)
        maps = None
        if want_attention:
            p = self.tokens
            maps = {"cross.search_to_template": attn.mean(dim=1).reshape(s, h, w, p, p)}
        return FusionOutput(fused, maps)
