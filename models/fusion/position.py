"""2-D sine position encodings (DETR / TransT style), computed on the fly."""
from __future__ import annotations

import math

import torch
from torch import Tensor


def sine_position_encoding(
    height: int, width: int, dim: int, *, temperature: float = 10000.0,
    device: torch.device | str | None = None, dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Encoding ``(1, dim, height, width)``: sin/cos of y in the first half of the channels, of x in the second.

    Coordinates are normalised to ``(0, 2π]`` over the grid, so a template and
    a search grid of different sizes both span the full frequency range.
    ``dim`` must be divisible by 4.
    """
    if dim % 4:
        raise ValueError(f"sine position encoding needs dim divisible by 4, got {dim}")
    half = dim // 2
    y = torch.arange(1, height + 1, device=device, dtype=dtype) / height * (2 * math.pi)
    x = torch.arange(1, width + 1, device=device, dtype=dtype) / width * (2 * math.pi)
    i = torch.arange(half, device=device, dtype=dtype)
    freq = temperature ** (2 * torch.div(i, 2, rounding_mode="floor") / half)
    py = y[:, None] / freq  # (H, half)
    px = x[:, None] / freq  # (W, half)
    py = torch.stack([py[:, 0::2].sin(), py[:, 1::2].cos()], dim=2).flatten(1)
    px = torch.stack([px[:, 0::2].sin(), px[:, 1::2].cos()], dim=2).flatten(1)
    pos = torch.cat([py[:, None, :].expand(height, width, half), px[None, :, :].expand(height, width, half)], dim=2)
    return pos.permute(2, 0, 1).unsqueeze(0).contiguous()
