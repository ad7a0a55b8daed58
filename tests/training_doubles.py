"""Test doubles for training tests: a tiny matcher obeying the model contract and toy scenes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from streams.frames import FramePair


@dataclass(frozen=True, eq=False)
class ToyOutput:
    score: torch.Tensor
    boxes: torch.Tensor | None
    origin: float
    stride: float


class ToyMatcher(nn.Module):
    """A few stride-2 convolutions per modality, a cross-correlation and a box head.

    255 -> 32 search cells, 127 -> 16 template cells, a 17×17 score map whose
    cell (0, 0) is centred on crop pixel 63.5 (stride 8), like SiamFC; other
    crop sizes work too (the origin follows the template's size).
    """

    stride = 8.0

    def __init__(self, box_head: bool = True, width: int = 8) -> None:
        super().__init__()
        self.stems = nn.ModuleDict({"visible": nn.Conv2d(3, width, 3, 2, 1), "infrared": nn.Conv2d(1, width, 3, 2, 1)})
        self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(width, 2 * width, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(2 * width, 2 * width, 3, 2, 1))
        self.bias = nn.Parameter(torch.zeros(1))
        self.box = nn.Conv2d(2 * width + 1, 4, 3, 1, 1) if box_head else None

    def features(self, image: torch.Tensor, modality: str) -> torch.Tensor:
        return self.body(self.stems[modality](image))

    def forward(self, template, template_modality, search, search_modality) -> ToyOutput:
        z = self.features(template, template_modality)
        x = self.features(search, search_modality)
        b, c, h, w = x.shape
        corr = F.conv2d(x.reshape(1, b * c, h, w), z, groups=b).reshape(b, 1, h - z.shape[-2] + 1, -1)
        score = corr / (c * z.shape[-1] * z.shape[-2]) ** 0.5 + self.bias
        origin = self.stride * (z.shape[-1] - 1) / 2 + 3.5  # feature cell k is centred on pixel 8k + 3.5
        boxes = None
        if self.box is not None:
            n = score.shape[-1]
            off = (x.shape[-1] - n) // 2
            feats = torch.cat([x[:, :, off:off + n, off:off + n], score], dim=1)
            ltrb = F.softplus(self.box(feats)) * 16.0 + 4.0
            xs = origin + self.stride * torch.arange(n, dtype=score.dtype)
            cx, cy = xs[None, None, :], xs[None, :, None]
            boxes = torch.stack([cx - ltrb[:, 0], cy - ltrb[:, 1], cx + ltrb[:, 2], cy + ltrb[:, 3]], dim=1)
        return ToyOutput(score, boxes, origin, self.stride)


@dataclass(frozen=True)
class ToyFrame:
    frame: FramePair
    box_visible: tuple[float, float, float, float]
    box_infrared: tuple[float, float, float, float]
    events: tuple = ()


def toy_scene(index: int, n_frames: int = 8, size: tuple[int, int] = (200, 150)) -> list[ToyFrame]:
    """A textured square drifting over a noisy background; hot (bright) in IR, coloured in visible.

    The infrared box is shifted by a few pixels (an imperfect registration);
    frame 3 has the target leave the view (NaN box), which the pool skips.
    """
    rng = np.random.default_rng(1000 + index)
    w, h = size
    bg_vis = rng.integers(40, 120, size=(h, w, 3)).astype(np.uint8)
    bg_ir = rng.integers(30, 90, size=(h, w)).astype(np.uint8)
    side = int(rng.integers(22, 34))
    x, y = float(rng.uniform(30, w - 70)), float(rng.uniform(30, h - 70))
    vx, vy = rng.uniform(-3, 3, size=2)
    colour = rng.integers(150, 255, size=3)
    frames = []
    for t in range(n_frames):
        vis, ir = bg_vis.copy(), bg_ir.copy()
        xi, yi = int(round(x)), int(round(y))
        vis[yi:yi + side, xi:xi + side] = colour
        vis[yi + side // 3: yi + 2 * side // 3, xi:xi + side] = 255 - colour
        ir[yi + 2:yi + side + 2, xi + 1:xi + side + 1] = 230
        box_v = (float(xi), float(yi), float(side), float(side))
        box_i = (float(xi + 1), float(yi + 2), float(side), float(side))
        if t == 3:
            box_v = (np.nan,) * 4
        frames.append(ToyFrame(FramePair(t, vis, ir), box_v, box_i))
        x, y = x + vx, y + vy
    return frames
