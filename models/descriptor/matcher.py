"""The learned descriptor behind the eval-match protocol: CFOG's dense matcher with refined features."""
from __future__ import annotations

import cv2
import numpy as np
import torch

from models.classic.base import Box, MatchResult, to_grey
from models.classic.cfog import CfogConfig, cfog_descriptor
from models.classic.dense import DenseFeatureMatcher, parabola_peak
from models.descriptor.network import DescriptorNet


def modality_of(image: np.ndarray) -> str:
    """Visible frames are RGB ``H×W×3``; infrared frames are grey ``H×W``."""
    return "visible" if image.ndim == 3 else "infrared"


def descriptor_inputs(region: np.ndarray, cfog: CfogConfig,
                      intensity: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The network's inputs for one image region: CFOG ``(C, H, W)`` and, with ``intensity``, the grey level
    ``(1, H, W)`` in [0, 1] (else ``None``)."""
    return cfog_descriptor(region, cfog), ((to_grey(region) / 255.0)[None] if intensity else None)


class DescriptorFeatures:
    """``region -> (C, H, W)`` refined features, the ``FeatureFn`` of a :class:`DenseFeatureMatcher`."""

    def __init__(self, net: DescriptorNet, device: str = "cpu", sigma: float | None = None):
        """``sigma`` overrides the config's CFOG Gaussian (the tracker's half-scale crops want a narrower one).
        ``net`` itself is put in eval mode and channels-last layout (a trainer restores train mode)."""
        self.net = net.to(device).eval().to(memory_format=torch.channels_last)
        self.device = torch.device(device)
        c = net.config
        self.cfog = CfogConfig(n_orientations=c.n_orientations, sigma=c.sigma if sigma is None else sigma)

    @property
    def margin(self) -> int:
        return self.cfog.margin + self.net.config.radius

    def __call__(self, region: np.ndarray) -> np.ndarray:
        return self.batch([region])[0]

    def window(self, region: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
        """``self(region)[:, top:top + height, left:left + width]``, computed with the network on that window
        and its ``radius`` px of context only (:meth:`DescriptorNet.forward_window`): the same numbers, for
        less work where the region is the window plus a margin, and shapes that depend on the window's size
        only."""
        cfog, grey = descriptor_inputs(region, self.cfog, self.net.config.intensity)
        r = self.net.config.radius
        h, w = region.shape[:2]
        y0, y1, x0, x1 = top - r, top + height + r, left - r, left + width + r
        outside = (max(-x0, 0), max(x1 - w, 0), max(-y0, 0), max(y1 - h, 0))  # left, right, top, bottom

        def tensor(a: np.ndarray | None):
            if a is None:
                return None
            part = a[:, max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)]
            if any(outside):
                part = np.pad(part, ((0, 0), outside[2:], outside[:2]))
            return self._tensor(part[None])

        with torch.inference_mode():
            out = self.net.forward_window(tensor(cfog), tensor(grey), modality_of(region), outside)[0]
        return np.ascontiguousarray(out.float().cpu().numpy())

    def batch(self, regions: list[np.ndarray]) -> np.ndarray:
        """Features ``(N, C, H, W)`` of ``N`` regions of one modality and one size, in one network call."""
        inputs = [descriptor_inputs(r, self.cfog, self.net.config.intensity) for r in regions]

        def tensor(k: int):
            return None if inputs[0][k] is None else self._tensor(np.stack([i[k] for i in inputs]))

        with torch.inference_mode():
            out = self.net(tensor(0), tensor(1), modality_of(regions[0]))
        return np.ascontiguousarray(out.float().cpu().numpy())

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        """``(N, C, H, W)`` array -> tensor on the device, channels-last (about twice as fast for these thin
        convolutions on a CPU)."""
        t = torch.from_numpy(np.ascontiguousarray(a)).to(self.device)
        return t.contiguous(memory_format=torch.channels_last)


class DescriptorMatcher(DenseFeatureMatcher):
    """Template matching on learned descriptor maps (``eval-match --method model`` with descriptor weights).

    ``scales``: image scales the query is matched at; the NCC maps of the scales below 1 are resampled onto
    the full-resolution placement grid and averaged with it (multi-scale fusion: the coarse map sees the
    target with more context and votes against look-alike details; see docs/DESCRIPTOR.md).
    """

    #: Templates and windows are widened to multiples of this many pixels (``DenseFeatureMatcher``'s
    #: ``bucket``): with repeating shapes a query skips most of oneDNN's per-shape set-up (docs/BENCHMARKS.md,
    #: seventh session).
    BUCKET = 16

    def __init__(self, net: DescriptorNet, device: str = "cpu", name: str = "model", sigma: float | None = None,
                 scales: tuple[float, ...] = (1.0,), trim: bool = True, context: float = 0.0,
                 context_side: float = 0.0):
        """``context`` / ``context_side``: match the template box with a band of its surroundings, the query
        shrunk so that the grown template's mean side is at most ``context_side`` (0: never;
        :mod:`models.classic.context`). Not with more than one of ``scales``."""
        self.descriptor = DescriptorFeatures(net, device, sigma)
        if not scales or scales[0] != 1.0 or any(not 0.1 <= k <= 1.0 for k in scales):
            raise ValueError(f"scales: expected 1.0 first, then factors in [0.1, 1], got {scales!r}")
        if context < 0 or context_side < 0:
            raise ValueError(f"context and context_side must be >= 0, got {context!r} and {context_side!r}")
        if context > 0 and len(scales) > 1:
            raise ValueError("context: not with multi-scale fusion (scales other than (1.0,))")
        self.context, self.context_side = float(context), float(context_side)
        self.scales = tuple(float(k) for k in scales)
        self.trim = bool(trim)  # run the network on each template / window and its context only
        super().__init__(name, self.descriptor, margin=self.descriptor.margin, bucket=self.BUCKET)

    def _window_features(self, region: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
        if not self.trim:
            return super()._window_features(region, top, left, height, width)
        return self.descriptor.window(region, top, left, height, width)

    def match(self, template_image: np.ndarray, template_box: Box,
              search_image: np.ndarray, search_window: Box) -> MatchResult:
        base = super().match(template_image, template_box, search_image, search_window)
        if len(self.scales) == 1:
            return base
        h, w = base.response.shape
        tw, th = template_box[2], template_box[3]
        ox, oy = base.origin[0] - tw / 2, base.origin[1] - th / 2  # the box corner at placement (0, 0)
        total = base.response.astype(np.float32).copy()
        for k in self.scales[1:]:
            grow = int(np.ceil((self.margin + 2) / k)) + int(max(tw, th))
            t_img, tx, ty = _cut(template_image, template_box, grow, k)
            s_img, sx, sy = _cut(search_image, search_window, grow, k)
            small = super().match(_shrink(t_img, k), ((template_box[0] - tx) * k, (template_box[1] - ty) * k,
                                                      tw * k, th * k),
                                  _shrink(s_img, k), ((search_window[0] - sx) * k, (search_window[1] - sy) * k,
                                                      search_window[2] * k, search_window[3] * k))
            # placement corner X (full px) is corner (X - sx) * k in the small search region
            cx0, cy0 = small.origin[0] - tw * k / 2, small.origin[1] - th * k / 2
            map_x = (((ox + np.arange(w)) - sx) * k - cx0) / small.stride
            map_y = (((oy + np.arange(h)) - sy) * k - cy0) / small.stride
            mx, my = np.meshgrid(map_x.astype(np.float32), map_y.astype(np.float32))
            total += cv2.remap(small.response.astype(np.float32), mx, my, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        total /= len(self.scales)
        i, j = np.unravel_index(int(np.argmax(total)), total.shape)
        di, dj = parabola_peak(total[:, j], i), parabola_peak(total[i, :], j)
        return MatchResult(box=(float(ox + j + dj), float(oy + i + di), float(tw), float(th)),
                           score=float(total[i, j]), response=total, origin=base.origin, stride=1.0)

    #: The reference query FLOPs are counted on: a 48×48 box in its 2.5× window (120×120).
    REFERENCE_BOX = 48
    REFERENCE_WINDOW = 120

    def parameter_count(self) -> int:
        """Number of parameters of the network."""
        return sum(p.numel() for p in self.descriptor.net.parameters())

    def flops_per_query(self, template_modality: str) -> int:
        """Network FLOPs (``torch.utils.flop_counter``) of one reference query: a 48×48 template region and a
        120×120 window (with ``context``: both grown by the band and shrunk as :meth:`match` does), each with
        the margin, at every one of ``scales``. CFOG's fixed front end and the NCC
        (OpenCV) are not counted."""
        from torch.utils.flop_counter import FlopCounterMode

        net = self.descriptor.net
        search_modality = "infrared" if template_modality == "visible" else "visible"
        c = net.config.n_orientations
        box, window = float(self.REFERENCE_BOX), float(self.REFERENCE_WINDOW)
        if self.context > 0:  # the grown template and the window grown by its band, shrunk as match does
            band = self.context * box
            box, window = box + 2 * band, window + 2 * band
            if self.context_side and box > self.context_side:
                box, window = self.context_side, window * self.context_side / box
        counter = FlopCounterMode(display=False)
        with torch.inference_mode(), counter:
            for k in self.scales:
                for side, modality in ((box, template_modality), (window, search_modality)):
                    n = int(round(side * k)) + 2 * self.margin
                    net(torch.zeros(1, c, n, n), torch.zeros(1, 1, n, n), modality)
        return int(counter.get_total_flops())


def _cut(image: np.ndarray, box: Box, grow: int, k: float) -> tuple[np.ndarray, int, int]:
    """``box`` grown by ``grow`` px on every side, clipped to the image, and its integer top-left corner.

    Where ``1/k`` is a whole number the corner is a multiple of it, so the shrunk region's pixels are the
    blocks the whole image would be averaged into (its pixel phase)."""
    h, w = image.shape[:2]
    step = int(round(1 / k)) if abs(1 / k - round(1 / k)) < 1e-6 else 1
    x0, y0 = max(int(np.floor(box[0])) - grow, 0), max(int(np.floor(box[1])) - grow, 0)
    x0, y0 = x0 - x0 % step, y0 - y0 % step
    x1, y1 = min(int(np.ceil(box[0] + box[2])) + grow, w), min(int(np.ceil(box[1] + box[3])) + grow, h)
    return np.ascontiguousarray(image[y0:y1, x0:x1]), x0, y0


def _shrink(region: np.ndarray, k: float) -> np.ndarray:
    """``region`` resized by ``k`` (area interpolation; OpenCV maps corner coordinates by exactly ``k``)."""
    return cv2.resize(region, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
