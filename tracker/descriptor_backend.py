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
    #: The grid resampling biases the descriptor's broad peaks by 1.2 px on average (6.3 at worst); refined,
    #: 0.09 px, and fused SR rose on every real benchmark sequence and both development sets (docs/TRACKER.md).
    refine_peaks = True
    #: Area interpolation down to the work size, as the weights were calibrated and benchmarked with.
    shrink_interpolation = cv2.INTER_AREA

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
        # The pyramid shares one network pass: a third of the work at 3 scales, and no measurable change in
        # tracking (dev-set fused SR 0.355 shared, 0.351 per crop; CFOG's sharper maps lose by it, so there
        # it is off: docs/TRACKER.md).
        super().__init__(same=same, cross=cross, work_scale=work_scale,
                         matcher=DescriptorMatcher(net, device, sigma=sigma), share_pyramid=True)
        self.name = name

    def _describe(self, works: list[np.ndarray]) -> list[np.ndarray]:
        """The network on the work crops, in one batch (the pyramid shares one pass: a third of the
        network's work at 3 scales)."""
        return list(self.matcher.descriptor.batch(works))

    def _shown(self, template, feats, want: tuple[str, ...]) -> dict | None:
        if "features" not in want:
            return None
        return {"template.descriptor": template.dense.features, "search.descriptor": np.stack(feats)}
