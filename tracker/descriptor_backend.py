"""The learned structure descriptor behind the backend protocol: CFOG's loop with refined features.

The crops, the half-scale work size, the dense NCC and its resampling onto
the stride-8 grid are :class:`tracker.classic_backend.CfogBackend`'s; only
the feature map differs (:class:`models.descriptor.network.DescriptorNet`).
The NCC→logit maps come from the checkpoint's ``extra.tracker_logits`` when
it has them (fitted with ``eval-match --method model-tracker
--fit-confidence``), else CFOG's. With ``want=("features",)`` the response
also carries the descriptor maps of the template and of every search crop,
for the application's feature view.
"""
from __future__ import annotations

import cv2
import numpy as np

from models.descriptor.matcher import DescriptorMatcher
from models.descriptor.network import DescriptorNet
from tracker.classic_backend import CROSS_MODALITY, SAME_MODALITY, CfogBackend


HALF_SCALE_SIGMA = 0.5


class DescriptorBackend(CfogBackend):
    has_box_head = False
    has_attention = False
    #: ``match`` takes the pyramid's ``factors``: the network then runs on one crop, not on every scale.
    accepts_factors = True

    def __init__(self, net: DescriptorNet, name: str = "learned descriptor",
                 logits: dict | None = None, device: str = "cpu", work_scale: float = 0.5):
        same, cross = SAME_MODALITY, CROSS_MODALITY
        if logits:
            same = tuple(float(v) for v in logits.get("same", same))
            cross = tuple(float(v) for v in logits.get("cross", cross))
        # The CFOG backend's rule: at half scale the Gaussian narrows to 0.5 px. Tracking the 12 real
        # sequences with the descriptor's own 0.8 px at half scale gave fused SR 0.858, with 0.5 px 0.902
        # (docs/BENCHMARKS.md, 2026-12-01).
        sigma = HALF_SCALE_SIGMA if work_scale < 1.0 else None
        super().__init__(same=same, cross=cross, work_scale=work_scale,
                         matcher=DescriptorMatcher(net, device, sigma=sigma))
        self.name = name

    def _search_all(self, template, works: list[np.ndarray], factors: tuple[float, ...] | None,
                    want: tuple[str, ...]) -> tuple[list, dict | None]:
        """The network on the work crops, then CFOG's dense NCC on each.

        With the pyramid's ``factors`` (each crop's side relative to the reference side, all crops centred
        alike) the descriptor is computed on the crop nearest factor 1 only and resampled for the others,
        a third of the network's work at 3 scales: the scales differ by 3.75%, less than the descriptor's
        own smoothing, and the tracking benchmark does not tell the two apart (docs/BENCHMARKS.md).
        """
        describe = self.matcher.descriptor
        if factors is None or len(factors) != len(works) or len(works) == 1:
            feats = describe.batch(works)
        else:
            feats = _pyramid_from_middle(describe, works, factors)
        results = [self.matcher.search_features(template.dense, f, 0, 0) for f in feats]
        shown = {"template.descriptor": template.dense.features, "search.descriptor": feats}
        return results, (shown if "features" in want else None)


def _pyramid_from_middle(describe, works: list[np.ndarray], factors: tuple[float, ...]) -> np.ndarray:
    """Descriptors ``(S, C, H, W)`` of the pyramid's crops from the network's descriptor of one of them.

    Crop ``i`` shows a region ``factors[i]`` times the reference side, resized to the same work size, so
    its pixel ``p`` sees what the reference crop shows at ``c + (p - c) * factors[i] / factors[ref]``
    (``c`` the crop centre). Samples past the reference crop's edge repeat its border.
    """
    ref = int(np.argmin([abs(np.log(f)) for f in factors]))
    base = describe.batch([works[ref]])[0]  # (C, H, W)
    c, h, w = base.shape
    hwc = np.ascontiguousarray(base.transpose(1, 2, 0))
    out = np.empty((len(works), c, h, w), np.float32)
    for i, f in enumerate(factors):
        if i == ref:
            out[i] = base
            continue
        k = f / factors[ref]
        cx, cy = w / 2.0, h / 2.0
        # dst pixel centre (x + 0.5) maps to src (cx + (x + 0.5 - cx) * k) - 0.5 in OpenCV's pixel-centre grid
        m = np.float32([[k, 0, cx - cx * k + 0.5 * k - 0.5], [0, k, cy - cy * k + 0.5 * k - 0.5]])
        warped = cv2.warpAffine(hwc, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)
        warped /= np.sqrt((warped ** 2).sum(axis=2, keepdims=True)) + 1e-6
        out[i] = warped.transpose(2, 0, 1)
    return out
