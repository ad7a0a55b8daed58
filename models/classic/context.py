"""Template context: match the box together with a band of its surroundings, report the box.

A box cut tight around a target holds little structure when the target is small or plain, and a
look-alike elsewhere in the window matches it as well as the target does. The scene around the target
(the kerb it stands on, the wall behind it) is there in both modalities, so SiamFC and TransT crop their
exemplars with context. Here the template is the box grown by ``context × (w + h) / 2`` pixels on every
side (clipped to the template image), and the search covers every placement that puts the *box* inside
the search window: the window grown by the same band. Beyond the search image the features are zeros
(no structure), so a placement near the border is scored, not ruled out, and the border tells the matcher
nothing about where the target is. The reported box is the template box at the best placement.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from models.classic.base import Box, MatchResult


def context_band(box: Box, context: float, shape: tuple[int, ...]) -> tuple[Box, tuple[float, float]]:
    """The box grown by the context band, clipped to an image of ``shape``, and the box corner's offset
    inside it ``(left, top)``."""
    h_img, w_img = shape[:2]
    x, y, w, h = (float(v) for v in box)
    pad = context * (w + h) / 2
    x0, y0 = max(0.0, x - pad), max(0.0, y - pad)
    x1, y1 = min(float(w_img), x + w + pad), min(float(h_img), y + h + pad)
    return (x0, y0, x1 - x0, y1 - y0), (x - x0, y - y0)


def match_with_context(matcher, template_image: np.ndarray, template_box: Box, search_image: np.ndarray,
                       search_window: Box, context: float, max_side: float = 0.0) -> MatchResult:
    """``matcher`` (a :class:`models.classic.dense.DenseFeatureMatcher`) on the template box plus its context
    band; the result's box is the template box's.

    ``max_side`` > 0: where the grown template's mean side is larger, both images are first shrunk (area
    interpolation, only the regions the match reads) so that it is ``max_side``; the box is mapped back."""
    grown, (left, top) = context_band(template_box, context, template_image.shape)
    side = (grown[2] + grown[3]) / 2
    if max_side > 0 and side > max_side:
        return _shrunk(matcher, template_image, template_box, grown, search_image, search_window, context,
                       max_side / side)
    template = matcher.encode_template(template_image, grown)
    _, th, tw = template.features.shape
    # Placements of the grown template whose box lies in the window: the window shifted by the band.
    sx, sy, sw, sh = (float(v) for v in search_window)
    right, bottom = tw - left - template_box[2], th - top - template_box[3]
    x0, y0 = int(math.floor(sx - left)), int(math.floor(sy - top))
    x1 = max(int(math.ceil(sx + sw + right)), x0 + tw)
    y1 = max(int(math.ceil(sy + sh + bottom)), y0 + th)
    h_img, w_img = search_image.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w_img), min(y1, h_img)
    if cx1 <= cx0 or cy1 <= cy0:
        raise ValueError(f"search window {search_window} does not overlap the {w_img}x{h_img} image")
    inside = matcher._region_features(search_image, cx0, cy0, cx1, cy1)
    feats = np.zeros((inside.shape[0], y1 - y0, x1 - x0), np.float32)
    feats[:, cy0 - y0: cy1 - y0, cx0 - x0: cx1 - x0] = inside
    res = matcher.search_features(template, feats, x0, y0)
    box = (res.box[0] + left, res.box[1] + top, float(template_box[2]), float(template_box[3]))
    return MatchResult(box=box, score=res.score, response=res.response, origin=res.origin, stride=res.stride)


def _shrunk(matcher, template_image: np.ndarray, template_box: Box, grown: Box, search_image: np.ndarray,
            search_window: Box, context: float, k: float) -> MatchResult:
    """:func:`match_with_context` on the two images shrunk by about ``k`` (only the regions it reads), the
    result mapped back to full-image pixels."""
    need = int(math.ceil((matcher.margin + 2) / k))  # the features' margin, in full-image pixels
    t_img, tx, ty, tkx, tky = _cut(template_image, grown, need, k)
    sx, sy, sw, sh = (float(v) for v in search_window)
    band = grown[2] + grown[3]  # more than the band on either side
    s_img, ox, oy, kx, ky = _cut(search_image, (sx - band, sy - band, sw + 2 * band, sh + 2 * band), need, k)
    small_box = ((template_box[0] - tx) * tkx, (template_box[1] - ty) * tky, template_box[2] * tkx,
                 template_box[3] * tky)
    small_window = ((sx - ox) * kx, (sy - oy) * ky, sw * kx, sh * ky)
    res = match_with_context(matcher, t_img, small_box, s_img, small_window, context)
    box = (res.box[0] / kx + ox, res.box[1] / ky + oy, float(template_box[2]), float(template_box[3]))
    origin = (res.origin[0] / kx + ox, res.origin[1] / ky + oy)
    return MatchResult(box=box, score=res.score, response=res.response, origin=origin, stride=res.stride / k)


def _cut(image: np.ndarray, box: Box, grow: int, k: float) -> tuple[np.ndarray, float, float, float, float]:
    """The pixels of ``box`` grown by ``grow`` on every side (clipped to the image), shrunk by about ``k``,
    the image position of the region's corner and the exact scales ``(kx, ky)`` the rounding to whole
    pixels gave. Where the region is clipped at the image border, the shrunk image ends there too."""
    h_img, w_img = image.shape[:2]
    x0, y0 = max(int(math.floor(box[0])) - grow, 0), max(int(math.floor(box[1])) - grow, 0)
    x1 = min(int(math.ceil(box[0] + box[2])) + grow, w_img)
    y1 = min(int(math.ceil(box[1] + box[3])) + grow, h_img)
    region = np.ascontiguousarray(image[y0:y1, x0:x1])
    w, h = max(1, int(round((x1 - x0) * k))), max(1, int(round((y1 - y0) * k)))
    small = cv2.resize(region, (w, h), interpolation=cv2.INTER_AREA)
    return small, float(x0), float(y0), w / (x1 - x0), h / (y1 - y0)


__all__ = ["context_band", "match_with_context"]
