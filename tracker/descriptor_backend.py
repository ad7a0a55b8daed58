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

import numpy as np

from models.descriptor.matcher import DescriptorMatcher
from models.descriptor.network import DescriptorNet
from tracker.backends import Response
from tracker.classic_backend import CROSS_MODALITY, SAME_MODALITY, CfogBackend


class DescriptorBackend(CfogBackend):
    has_box_head = False
    has_attention = False

    def __init__(self, net: DescriptorNet, name: str = "learned descriptor",
                 logits: dict | None = None, device: str = "cpu", work_scale: float = 0.5):
        same, cross = SAME_MODALITY, CROSS_MODALITY
        if logits:
            same = tuple(float(v) for v in logits.get("same", same))
            cross = tuple(float(v) for v in logits.get("cross", cross))
        super().__init__(same=same, cross=cross, work_scale=work_scale, matcher=DescriptorMatcher(net, device))
        self.name = name

    def _search_all(self, template, works: list[np.ndarray]) -> list:
        """All crops of one frame through the network in one batch, then CFOG's dense NCC on each."""
        self._last = self.matcher.descriptor.batch(works)
        return [self.matcher.search_features(template.dense, f, 0, 0) for f in self._last]

    def match(self, template, crops: np.ndarray, modality: str, want: tuple[str, ...] = ()) -> Response:
        response = super().match(template, crops, modality, want)
        if "features" not in want:
            return response
        features = {"template.descriptor": template.dense.features, "search.descriptor": self._last}
        return Response(score=response.score, origin=response.origin, stride=response.stride, features=features)
