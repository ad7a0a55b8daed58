"""Differentiable mean per-channel zero-mean NCC, the training twin of ``cv2.TM_CCOEFF_NORMED``.

For a search map ``S (C, H, W)`` and a template ``T (C, h, w)`` the response
at ``(i, j)`` is the mean over channels of the normalised cross-correlation
of ``T`` with the ``h×w`` window of ``S`` whose top-left corner is ``(i, j)``,
each zero-meaned: the number :class:`models.classic.dense.DenseFeatureMatcher`
computes with OpenCV, here with gradients. The correlation runs through the
FFT and the window sums through integral images (a grouped convolution with a
template-sized kernel is ten times slower to back-propagate on a CPU).
"""
from __future__ import annotations

import torch
from torch import Tensor


def _box_sum(x: Tensor, h: int, w: int) -> Tensor:
    """Sums of every ``h×w`` window of ``x (C, H, W)``: ``(C, H-h+1, W-w+1)``."""
    ii = torch.nn.functional.pad(x.cumsum(1).cumsum(2), (1, 0, 1, 0))
    return ii[:, h:, w:] - ii[:, :-h, w:] - ii[:, h:, :-w] + ii[:, :-h, :-w]


def zncc_map(search: Tensor, template: Tensor, eps: float = 1e-8) -> Tensor:
    """``(H-h+1, W-w+1)`` mean-over-channels ZNCC of ``template (C,h,w)`` over ``search (C,H,W)``."""
    c, h, w = template.shape
    _, H, W = search.shape
    if h > H or w > W:
        raise ValueError(f"template {w}x{h} is larger than the {W}x{H} search map")
    n = float(h * w)
    tz = template - template.mean(dim=(1, 2), keepdim=True)
    tnorm2 = tz.pow(2).sum(dim=(1, 2))  # (C,)
    # Circular cross-correlation; the valid top-left block never wraps around.
    spec = torch.fft.rfft2(search, s=(H, W)) * torch.conj(torch.fft.rfft2(tz, s=(H, W)))
    num = torch.fft.irfft2(spec, s=(H, W))[:, : H - h + 1, : W - w + 1]  # == sum (S - mean_S) tz
    s_sum = _box_sum(search, h, w)
    s2_sum = _box_sum(search * search, h, w)
    s_var = (s2_sum - s_sum * s_sum / n).clamp_min(0.0)
    ncc = num / torch.sqrt(s_var * tnorm2[:, None, None] + eps)
    return ncc.mean(dim=0)
