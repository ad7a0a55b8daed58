"""The fusion interface and the correlation helpers the fusions share.

A fusion has two halves. ``prepare(z)`` runs once per target, inside
``Matcher.encode_template``, and returns the template-side tensors (for
example a correlation kernel, or attention keys and values). ``forward``
runs for every search batch and returns a fused map ``(S, out_channels, H, W)``
that the head turns into scores and boxes.

Geometry: backbone cell ``j`` is centred on crop pixel ``8j`` (continuous
centre ``8j + 0.5``). Fusions that keep the search grid therefore have
``origin = 0.5``. Correlation fusions slide a ``k×k`` template window that
starts at template cell ``t0``; their map cell ``i`` scores the template
centre placed at ``exemplar/2 + stride*(i - t0)``, so
``origin = exemplar/2 - stride*t0``.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple

from torch import Tensor, nn
from torch.nn import functional as F


class FusionOutput(NamedTuple):
    """Fused map ``(S, out_channels, H, W)`` and, when asked, attention maps by name."""

    features: Tensor
    attention: dict[str, Tensor] | None = None


class Fusion(nn.Module):
    """Base class: template preparation, search fusion, and the score-map origin."""

    out_channels: int
    has_attention = False

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        """Template-side tensors for template features ``z`` ``(B, C, h, w)``; computed once per target."""
        raise NotImplementedError

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        """Fuse search features ``x`` ``(S, C, H, W)`` with ``prepared`` (batch 1 or S)."""
        raise NotImplementedError

    def origin(self, template_cells: int, exemplar_size: int, stride: int) -> float:
        """Crop-pixel centre of score cell 0 (same for x and y)."""
        return 0.5


class CorrelationFusion(Fusion):
    """A fusion that slides the central ``window×window`` template cells over the search map."""

    def __init__(self, window: int):
        super().__init__()
        self.window = window

    def window_start(self, template_cells: int) -> int:
        """First template cell ``t0`` of the central window."""
        if template_cells < self.window:
            raise ValueError(
                f"template feature map has {template_cells} cells, fewer than the {self.window}-cell window"
            )
        return (template_cells - self.window) // 2

    def crop_window(self, z: Tensor) -> Tensor:
        """The central ``window×window`` cells of ``z`` ``(B, C, h, w)``."""
        t0 = self.window_start(z.shape[-2])
        t1 = self.window_start(z.shape[-1])
        return z[..., t0:t0 + self.window, t1:t1 + self.window]

    def check_search(self, x: Tensor) -> None:
        if min(x.shape[-2:]) < self.window:
            raise ValueError(
                f"search feature map {tuple(x.shape[-2:])} is smaller than the {self.window}-cell template window"
            )

    def origin(self, template_cells: int, exemplar_size: int, stride: int) -> float:
        return exemplar_size / 2 - stride * self.window_start(template_cells)


def pair_batch(t: Tensor, s: int) -> Tensor:
    """``t`` with batch ``s``: a batch of one is broadcast, a batch of ``s`` is kept."""
    if t.shape[0] == s:
        return t
    if t.shape[0] == 1:
        return t.expand(s, *t.shape[1:])
    raise ValueError(f"{t.shape[0]} templates cannot pair with {s} search images (need 1 or {s})")


def xcorr(x: Tensor, kernel: Tensor) -> Tensor:
    """Full cross-correlation (SiamFC): ``(S, C, H, W)`` by ``(1|S, C, k, k)`` -> ``(S, 1, H-k+1, W-k+1)``."""
    if kernel.shape[0] == 1:
        return F.conv2d(x, kernel)
    s, c, h, w = x.shape
    out = F.conv2d(x.reshape(1, s * c, h, w), pair_batch(kernel, s), groups=s)
    return out.reshape(s, 1, out.shape[-2], out.shape[-1])


def xcorr_depthwise(x: Tensor, kernel: Tensor) -> Tensor:
    """Per-channel cross-correlation (SiamRPN++): ``(S, C, H, W)`` by ``(1|S, C, k, k)`` -> ``(S, C, ., .)``."""
    s, c, h, w = x.shape
    k = kernel.shape[-1]
    if kernel.shape[0] == 1:
        return F.conv2d(x, kernel.reshape(c, 1, kernel.shape[-2], k), groups=c)
    kernel = pair_batch(kernel, s)
    out = F.conv2d(x.reshape(1, s * c, h, w), kernel.reshape(s * c, 1, kernel.shape[-2], k), groups=s * c)
    return out.reshape(s, c, out.shape[-2], out.shape[-1])


def window_centres(x: Tensor, window: int, size: tuple[int, int]) -> Tensor:
    """Features of ``x`` at the centre of each ``window``-cell sliding window, on a ``size`` grid.

    For an even window the centre falls between cells, so the two central
    cells are averaged.
    """
    off = (window - 1) // 2
    h, w = size
    if window % 2:
        return x[..., off:off + h, off:off + w]
    return F.avg_pool2d(x[..., off:off + h + 1, off:off + w + 1], 2, stride=1)
