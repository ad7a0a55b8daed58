"""Score-map labels from the model contract's cell geometry.

Cell ``(i, j)`` (row, column) of a score map is centred on the search-crop
pixel ``(origin + stride*j, origin + stride*i)``. A cell is positive when its
centre lies within ``pos_radius`` crop pixels of the target centre (SiamFC:
16 px, two cells at stride 8), ignored up to ``ignore_radius``, negative
beyond. Hard-negative pairs are negative everywhere.
"""
from __future__ import annotations

import torch

POSITIVE = 1.0
NEGATIVE = 0.0
IGNORE = -1.0


def cell_centers(height: int, width: int, origin: float, stride: float, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Crop-pixel x of each column (W,) and y of each row (H,)."""
    xs = origin + stride * torch.arange(width, dtype=torch.float32, device=device)
    ys = origin + stride * torch.arange(height, dtype=torch.float32, device=device)
    return xs, ys


def make_labels(
    centers: torch.Tensor,
    negative: torch.Tensor,
    shape: tuple[int, int],
    origin: float,
    stride: float,
    pos_radius: float,
    ignore_radius: float = 0.0,
) -> torch.Tensor:
    """Labels ``(B, 1, H, W)``: 1 positive, 0 negative, -1 ignored.

    ``centers`` is ``(B, 2)`` target centres (x, y) in search-crop pixels,
    ``negative`` a ``(B,)`` bool tensor marking hard-negative pairs.
    """
    height, width = shape
    xs, ys = cell_centers(height, width, origin, stride, device=centers.device)
    dx = xs[None, None, :] - centers[:, 0, None, None].float()
    dy = ys[None, :, None] - centers[:, 1, None, None].float()
    dist = torch.sqrt(dx * dx + dy * dy)  # (B, H, W)
    labels = torch.full_like(dist, NEGATIVE)
    if ignore_radius > pos_radius:
        labels[dist <= ignore_radius] = IGNORE
    labels[dist <= pos_radius] = POSITIVE
    labels[negative.to(torch.bool)] = NEGATIVE
    return labels[:, None]
