"""The no-weights fallback: the hand-crafted CFOG descriptor matcher behind the backend protocol.

CFOG scores every pixel shift (stride 1). The tracker expects one map on a
regular grid, so the dense response is resampled onto a ``cells×cells`` grid
of stride 8 centred on the crop. NCC values in [-1, 1] become logits by a
fixed affine map, so its confidences are comparable in spirit, not in
calibration, to a trained network's.
"""
from __future__ import annotations

import cv2
import numpy as np

from models.classic.cfog import CfogMatcher
from tracker.backends import Response


class CfogBackend:
    name = "cfog (hand-crafted fallback, no weights)"
    has_box_head = False
    has_attention = False

    def __init__(self, instance_size: int = 255, stride: int = 8, cells: int = 25, gain: float = 8.0,
                 bias: float = -3.0):
        self.matcher = CfogMatcher()
        self.stride = float(stride)
        self.cells = cells
        self.gain, self.bias = gain, bias
        self.origin = instance_size / 2 - stride * (cells // 2)

    def encode(self, crop: np.ndarray, modality: str, target: tuple[float, float] | None = None):
        size = crop.shape[0]
        tw, th = target if target is not None else (size / 2, size / 2)
        tw, th = max(8.0, min(tw, size - 2)), max(8.0, min(th, size - 2))
        box = ((size - tw) / 2, (size - th) / 2, tw, th)
        return self.matcher.encode_template(crop, box)

    def match(self, template, crops: np.ndarray, modality: str, want: tuple[str, ...] = ()) -> Response:
        grid = self.origin + self.stride * np.arange(self.cells, dtype=np.float32)
        maps = []
        for crop in crops:
            h, w = crop.shape[:2]
            res = self.matcher.search(template, crop, (0.0, 0.0, float(w), float(h)))
            # The NCC peak is a few pixels wide: smooth it to the grid's scale before sampling
            # so it cannot fall between two grid points.
            k = int(self.stride / res.stride) | 1
            dense = cv2.GaussianBlur(cv2.dilate(res.response.astype(np.float32), np.ones((k, k), np.uint8)),
                                     (k, k), 0)
            map_x = np.tile((grid - res.origin[0]) / res.stride, (self.cells, 1)).astype(np.float32)
            map_y = np.tile(((grid - res.origin[1]) / res.stride)[:, None], (1, self.cells)).astype(np.float32)
            sampled = cv2.remap(dense, map_x, map_y, cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
            maps.append(sampled)
        score = self.gain * np.stack(maps) + self.bias
        return Response(score=score.astype(np.float32), origin=self.origin, stride=self.stride)
