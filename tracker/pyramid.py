"""One descriptor for the whole scale pyramid: compute it on the middle crop, resample it for the others.

The pyramid's crops all show the same centre, ``scale_step`` (3.75%) apart
in size, and are resized to one work size. A dense descriptor of the middle
crop, warped by each crop's relative factor, stands in for computing it on
every crop: the scales differ by less than the descriptor's own smoothing.
The dense backends can use it (``CfogBackend(share_pyramid=True)``); the
learned descriptor does, CFOG does not (its sharper maps lose SR by it).
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np


def pyramid_from_reference(describe: Callable[[np.ndarray], np.ndarray], works: list[np.ndarray],
                           factors: tuple[float, ...]) -> np.ndarray:
    """Descriptors ``(S, C, H, W)`` of the pyramid's crops from ``describe`` (work crop -> ``(C, H, W)``) run on
    one of them, the crop nearest factor 1.

    Crop ``i`` shows a region ``factors[i]`` times the reference side, resized to the same work size, so
    its pixel ``p`` sees what the reference crop shows at ``c + (p - c) * factors[i] / factors[ref]``
    (``c`` the crop centre). Samples past the reference crop's edge repeat its border.
    """
    ref = int(np.argmin([abs(np.log(f)) for f in factors]))
    base = describe(works[ref])  # (C, H, W)
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
