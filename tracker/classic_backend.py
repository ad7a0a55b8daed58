"""The no-weights fallback: the hand-crafted CFOG descriptor matcher behind the backend protocol.

CFOG scores every pixel shift (stride 1). The tracker expects one map on a
regular grid, so the dense response is resampled onto a ``cells×cells`` grid
of stride 8 centred on the crop. NCC values in [-1, 1] become logits by an
affine map. Matching across modalities gives systematically lower NCC for a
correct match than matching within one, so the map differs: the cross-modal
one is fitted so that ``sigmoid(logit)`` is the probability of a correct
match (IoU >= 0.5) on RoadScene *training* pairs (``eval-match --method
cfog-tracker --fit-confidence``; the command and the fit are in
docs/BENCHMARKS.md). Within one modality the original map is kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.classic.cfog import CfogConfig, CfogMatcher
from models.classic.dense import DenseFeatureMatcher
from tracker.backends import Response
from tracker.pyramid import pyramid_from_reference

#: logit = gain * NCC + bias, within one modality (not fitted: the tracking loop's original map).
SAME_MODALITY = (8.0, -3.0)
#: Across modalities: 1.915 * (8 NCC - 3) + 2.579, the fit on 870 training queries (see the module docstring).
CROSS_MODALITY = (15.32, -3.166)


def sample_on_grid(dense: np.ndarray, grid: np.ndarray, stride: float, k: float, origin: tuple[float, float],
                   step: float) -> np.ndarray:
    """``(n, n)`` samples of a dense map at the crop-pixel points ``grid`` (``n`` of them, ``stride`` apart,
    along both axes), -1 outside it. Cell ``(i, j)`` of ``dense`` is centred on the work-pixel point ``origin +
    step * (j, i)``, and work pixels are ``k`` times crop pixels. A dense peak is a few pixels wide, so the map is
    first smoothed to the grid's scale (a dilation and a blur) lest the peak fall between two grid points."""
    ksize = int(stride * k / step) | 1
    if ksize > 1:
        dense = cv2.GaussianBlur(cv2.dilate(dense, np.ones((ksize, ksize), np.uint8)), (ksize, ksize), 0)
    n = len(grid)
    map_x = np.tile((grid * k - origin[0]) / step, (n, 1)).astype(np.float32)
    map_y = np.tile(((grid * k - origin[1]) / step)[:, None], (1, n)).astype(np.float32)
    return cv2.remap(dense, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)


@dataclass(frozen=True, eq=False)
class CfogTemplate:
    """A frozen CFOG template and the modality it was cut from."""

    dense: object  # models.classic.dense.DenseTemplate
    modality: str


class CfogBackend:
    """CFOG behind the backend protocol.

    ``work_scale`` shrinks the exemplar and search crops (by the same factor,
    so their pixel scale still agrees) before the descriptor and the NCC run:
    at 0.5 the dense response has 2-crop-pixel steps, four times finer than
    the stride-8 grid it is resampled onto, for about a quarter of the work.
    The descriptor's Gaussian is then narrowed to 0.5 px unless ``cfog`` says
    otherwise.
    """

    name = "cfog (hand-crafted fallback, no weights)"
    has_box_head = False
    has_attention = False
    #: ``match`` takes the pyramid's ``factors``; with ``share_pyramid`` the descriptor then runs on one crop.
    accepts_factors = True
    #: ``encode`` takes per-pixel template ``weights`` (``heterologous_mask``).
    accepts_weights = True
    #: Whether the loop should refine its grid peak on ``Response.dense`` by default (``peak_refine="auto"``).
    #: Not for CFOG: its peak is sharp enough that the grid barely biases it (0.65 px), and refining cost
    #: fused SR on both development sets (0.462 -> 0.445 on 40 scenes; docs/TRACKER.md).
    refine_peaks = False

    def __init__(self, instance_size: int = 255, stride: int = 8, cells: int = 25,
                 same: tuple[float, float] = SAME_MODALITY, cross: tuple[float, float] = CROSS_MODALITY,
                 work_scale: float = 0.5, cfog: CfogConfig | None = None, matcher: DenseFeatureMatcher | None = None,
                 share_pyramid: bool = False):
        """``matcher`` replaces the CFOG matcher by another dense one (the learned descriptor's).
        ``share_pyramid`` computes the descriptor of the middle scale's crop only and resamples it for the
        others (:mod:`tracker.pyramid`)."""
        self.share_pyramid = share_pyramid
        if not 0.1 <= work_scale <= 1.0:
            raise ValueError(f"work_scale must be within [0.1, 1], got {work_scale}")
        # At half scale the paper's sigma of 0.8 px blurs twice as much of the scene: 0.5 px (1 px at full
        # scale) gives the full-scale tracking accuracy back (see docs/BENCHMARKS.md, 2026-11-22).
        self.matcher = matcher or CfogMatcher(cfog or CfogConfig(sigma=0.5 if work_scale < 1.0 else 0.8))
        self.stride = float(stride)
        self.cells = cells
        self.same, self.cross = same, cross
        self.work_scale = work_scale
        self.origin = instance_size / 2 - stride * (cells // 2)

    #: How crops are shrunk to the work size. At 255 -> 128 px a bilinear sample falls almost midway
    #: between two pixels, nearly the 2x2 average that area interpolation takes, at a seventh of its cost
    #: (0.07 vs 0.50 ms per RGB crop); dev-set fused SR 0.467 vs 0.462 with area on 40 scenes (CFOG). The
    #: learned descriptor keeps area interpolation (not measured with bilinear).
    shrink_interpolation = cv2.INTER_LINEAR

    def _shrink(self, crop: np.ndarray) -> np.ndarray:
        if self.work_scale == 1.0:
            return crop
        side = max(8, int(round(crop.shape[0] * self.work_scale)))
        return cv2.resize(crop, (side, side), interpolation=self.shrink_interpolation)

    def encode(self, crop: np.ndarray, modality: str, target: tuple[float, float] | None = None,
               weights: np.ndarray | None = None):
        """``weights`` (the crop's height and width) weigh the template's pixels in the NCC (None = evenly)."""
        work = self._shrink(crop)
        k = work.shape[0] / crop.shape[0]
        size = work.shape[0]
        tw, th = (target[0] * k, target[1] * k) if target is not None else (size / 2, size / 2)
        tw, th = max(6.0, min(tw, size - 2)), max(6.0, min(th, size - 2))
        box = ((size - tw) / 2, (size - th) / 2, tw, th)
        if weights is not None and weights.shape[:2] != work.shape[:2]:
            weights = cv2.resize(weights.astype(np.float32), work.shape[1::-1], interpolation=cv2.INTER_AREA)
        return CfogTemplate(self.matcher.encode_template(work, box, weights), modality)

    def _describe(self, works: list[np.ndarray]) -> list[np.ndarray]:
        """Dense features ``(C, H, W)`` of whole work-size crops of one modality."""
        return [self.matcher.features(w) for w in works]

    def _search_all(self, template, works: list[np.ndarray], factors: tuple[float, ...] | None,
                    want: tuple[str, ...]) -> tuple[list, dict | None]:
        """The dense match of ``template`` over each whole work-size crop, and the feature maps to show.

        With ``share_pyramid`` and the pyramid's ``factors`` (each crop's side relative to the reference
        side, all crops centred alike) the features are computed on the crop nearest factor 1 only and
        resampled for the others (:mod:`tracker.pyramid`)."""
        if self.share_pyramid and factors is not None and len(factors) == len(works) > 1:
            feats = pyramid_from_reference(lambda w: self._describe([w])[0], works, factors)
        else:
            feats = self._describe(works)
        results = [self.matcher.search_features(template.dense, f, 0, 0) for f in feats]
        return results, self._shown(template, feats, want)

    def _shown(self, template, feats, want: tuple[str, ...]) -> dict | None:
        """Feature maps for the application's feature view (none for CFOG)."""
        return None

    def match(self, template, crops: np.ndarray, modality: str, want: tuple[str, ...] = (),
              factors: tuple[float, ...] | None = None) -> Response:
        grid = self.origin + self.stride * np.arange(self.cells, dtype=np.float32)
        maps, dense_maps = [], []
        works = [self._shrink(crop) for crop in crops]
        results, features = self._search_all(template, works, factors, want)
        for crop, work, res in zip(crops, works, results):
            k = work.shape[0] / crop.shape[0]  # work pixels per crop pixel
            dense = res.response.astype(np.float32)
            dense_maps.append(dense)
            maps.append(sample_on_grid(dense, grid, self.stride, k, res.origin, res.stride))
        gain, bias = self.same if template.modality == modality else self.cross
        score = gain * np.stack(maps) + bias
        # Every work crop has one size, so the dense maps share one grid (work px -> crop px: divide by k).
        res, k = results[0], works[0].shape[0] / crops[0].shape[0]
        return Response(score=score.astype(np.float32), origin=self.origin, stride=self.stride, features=features,
                        dense=(gain * np.stack(dense_maps) + bias).astype(np.float32),
                        dense_origin=(float(res.origin[0] / k), float(res.origin[1] / k)),
                        dense_stride=float(res.stride / k))
