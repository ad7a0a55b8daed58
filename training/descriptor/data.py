"""Training queries for the descriptor: a box, its search window in another modality, and the true offset.

Queries follow eval-match's protocol (structured boxes, a window ``window_scale``
times the box with the target at a uniform random offset) on the *training*
pairs, at several image scales so the descriptor also learns the half-scale
crops the tracker matches. Both regions are cut with a margin of context so the
descriptor of every kept pixel sees a full neighbourhood, as at inference.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from evaluation.queries import search_window_around
from models.classic.cfog import CfogConfig
from models.classic.context import context_band
from models.descriptor.matcher import descriptor_inputs
from synth.boxes import sample_structured_boxes
from training.augment import PhotometricParams, affine_about, invert, map_points, photometric, random_affine
from training.descriptor.config import DescriptorTrainConfig
from training.descriptor.synthetic import SyntheticQueries
from training.sources import ImagePair

MODALITIES = ("visible", "infrared")


@dataclass(frozen=True, eq=False)
class Query:
    """Network inputs of one query and where the template truly sits in the search map."""

    template_modality: str
    search_modality: str
    template: tuple[np.ndarray, np.ndarray]  # (cfog (C, h+2m, w+2m), grey (1, h+2m, w+2m))
    search: tuple[np.ndarray, np.ndarray]    # (cfog (C, H+2m, W+2m), grey)
    offset: tuple[int, int]                  # (row, col) of the template's top-left corner in the search map
    search_valid: np.ndarray | None = None   # (H+2m, W+2m) bool: pixels inside the image (context queries)


class ScaledPair:
    """One training pair at one scale, padded by ``margin`` (reflected) so every region fits."""

    def __init__(self, pair: ImagePair, scale: float, margin: int, boxes_per_image: int, seed: tuple[int, ...]):
        vis, ir = pair.visible, pair.infrared
        if scale != 1.0:
            size = (max(16, int(round(vis.shape[1] * scale))), max(16, int(round(vis.shape[0] * scale))))
            vis = cv2.resize(vis, size, interpolation=cv2.INTER_AREA)
            ir = cv2.resize(ir, size, interpolation=cv2.INTER_AREA)
        rng = np.random.default_rng(seed)
        min_side = max(12, int(round(24 * scale)))
        boxes = sample_structured_boxes(vis, ir, rng, boxes_per_image, min_side=min_side)
        if not boxes:
            boxes = sample_structured_boxes(vis, ir, rng, boxes_per_image, min_side=min_side, min_score=1.0)
        self.boxes = boxes
        self.size = (vis.shape[1], vis.shape[0])
        self.margin = margin
        pad = lambda im: cv2.copyMakeBorder(im, margin, margin, margin, margin, cv2.BORDER_REFLECT_101)  # noqa: E731
        self.images = {"visible": pad(vis), "infrared": pad(ir)}

    def region(self, modality: str, box: tuple[int, int, int, int]) -> np.ndarray:
        """Pixels of ``box`` (xywh, unpadded image coordinates) plus the margin on every side."""
        x, y, w, h = box
        m = self.margin
        return self.images[modality][y: y + h + 2 * m, x: x + w + 2 * m]


class QuerySampler:
    """Draws random training queries from the training pairs (never from the validation list)."""

    def __init__(self, pairs: list[ImagePair], cfg: DescriptorTrainConfig, cfog: CfogConfig, margin: int,
                 synthetic: SyntheticQueries | None = None):
        """``synthetic`` supplies ``cfg.synthetic_fraction`` of the queries (tracking-like, from rendered
        scenes); without it, or at fraction 0, every query comes from ``pairs``."""
        self.cfg = cfg
        self.synthetic = synthetic if cfg.synthetic_fraction > 0 else None
        self.cfog = cfog
        self.margin = margin
        self.photo = PhotometricParams()
        self.scaled = [
            [ScaledPair(p, s, margin, cfg.boxes_per_image, (cfg.seed, k, j)) for j, s in enumerate(cfg.scales)]
            for k, p in enumerate(pairs)
        ]
        self._usable = [(k, j) for k, row in enumerate(self.scaled) for j, sp in enumerate(row) if sp.boxes]
        if not self._usable:
            raise ValueError("no training pair has a structured box")

    def draw(self, rng: np.random.Generator) -> Query:
        if self.synthetic is not None and rng.random() < self.cfg.synthetic_fraction:
            d = self.synthetic.draw(rng)
            t_img = self._augment(d.template, d.template_modality, rng)
            s_img = self._augment(d.search, d.search_modality, rng)
            return Query(d.template_modality, d.search_modality, descriptor_inputs(t_img, self.cfog),
                         descriptor_inputs(s_img, self.cfog), d.offset)
        k, j = self._usable[int(rng.integers(len(self._usable)))]
        sp = self.scaled[k][j]
        box = sp.boxes[int(rng.integers(len(sp.boxes)))]
        wx, wy, ww, wh = (int(v) for v in search_window_around(box, self.cfg.window_scale, sp.size, rng))
        t_mod = MODALITIES[int(rng.integers(2))]
        s_mod = (MODALITIES[1 - MODALITIES.index(t_mod)] if rng.random() < self.cfg.cross_fraction else t_mod)
        if self.cfg.context > 0:
            return self._draw_context(sp, box, (wx, wy, ww, wh), t_mod, s_mod, rng)
        t_img = self._augment(sp.region(t_mod, box), t_mod, rng)
        s_img = self._augment(sp.region(s_mod, (wx, wy, ww, wh)), s_mod, rng)
        offset = (box[1] - wy, box[0] - wx)
        if rng.random() < self.cfg.geometric_prob:
            s_img, offset = self._warp(s_img, offset, box[2], box[3], rng)
        return Query(t_mod, s_mod, descriptor_inputs(t_img, self.cfog), descriptor_inputs(s_img, self.cfog), offset)

    def _draw_context(self, sp: ScaledPair, box, window, t_mod: str, s_mod: str, rng: np.random.Generator) -> Query:
        """A query cut as eval-match's context band cuts it (no affine warp): the box grown by the band and
        clipped to the image, the window grown by the same band, both shrunk so that the grown template's
        mean side is ``context_side``; ``search_valid`` marks the search pixels inside the image."""
        m, cfg = self.margin, self.cfg
        x, y, w, h = box
        wx, wy, ww, wh = window
        width, height = sp.size
        (bx, by, bw, bh), _ = context_band(box, cfg.context, (height, width))
        gx0, gy0 = int(np.floor(bx)), int(np.floor(by))
        gx1, gy1 = int(np.ceil(bx + bw)), int(np.ceil(by + bh))
        left, top, right, bottom = x - gx0, y - gy0, gx1 - x - w, gy1 - y - h
        k = min(1.0, cfg.context_side / ((gx1 - gx0 + gy1 - gy0) / 2))
        tw, th = max(4, int(round((gx1 - gx0) * k))), max(4, int(round((gy1 - gy0) * k)))
        # the search: every placement of the grown template whose box lies in the window
        sx0, sy0 = wx - left, wy - top
        sw, sh = ww + left + right, wh + top + bottom
        n_x, n_y = max(1, int(round((sw - (gx1 - gx0)) * k)) + 1), max(1, int(round((sh - (gy1 - gy0)) * k)) + 1)
        t_img = self._augment(_cut_scaled(sp.images[t_mod], m, gx0, gy0, gx1 - gx0, gy1 - gy0, tw, th), t_mod, rng)
        s_w, s_h = tw + n_x - 1, th + n_y - 1
        s_img = self._augment(_cut_scaled(sp.images[s_mod], m, sx0, sy0, s_w / k, s_h / k, s_w, s_h), s_mod, rng)
        valid = _inside_mask(sx0, sy0, s_w / k, s_h / k, s_w, s_h, m, width, height)
        offset = (min(n_y - 1, int(round((y - wy) * k))), min(n_x - 1, int(round((x - wx) * k))))
        return Query(t_mod, s_mod, descriptor_inputs(t_img, self.cfog), descriptor_inputs(s_img, self.cfog), offset,
                     valid)

    def _warp(self, region: np.ndarray, offset: tuple[int, int], w: int, h: int,
              rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int]]:
        """A small random affine map of the search region about its centre; the target's placement follows
        its centre through the map (rounded to a whole pixel, kept inside the window)."""
        m = self.margin
        rh, rw = region.shape[:2]
        cfg = self.cfg
        matrix = affine_about(random_affine(rng, cfg.rotate_max_deg, cfg.scale_max, cfg.shear_max), (rw / 2, rh / 2))
        cv_matrix = matrix.copy()  # OpenCV puts pixel centres at integers, the box convention at i + 0.5
        cv_matrix[:, 2] = matrix[:, :2] @ np.array([0.5, 0.5]) + matrix[:, 2] - 0.5
        warped = cv2.warpAffine(region, cv_matrix.astype(np.float32), (rw, rh), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT_101)
        centre = np.array([[m + offset[1] + w / 2, m + offset[0] + h / 2]])
        cx, cy = map_points(matrix, centre)[0]
        i = int(np.clip(round(cy - h / 2 - m), 0, rh - 2 * m - h))
        j = int(np.clip(round(cx - w / 2 - m), 0, rw - 2 * m - w))
        return np.ascontiguousarray(warped), (i, j)

    def _augment(self, region: np.ndarray, modality: str, rng: np.random.Generator) -> np.ndarray:
        out = np.ascontiguousarray(region)
        if rng.random() < self.cfg.photometric_prob:
            out = photometric(out, rng, self.photo)
        if modality == "infrared" and rng.random() < self.cfg.invert_ir_prob:
            out = invert(out)
        return out


def _cut_scaled(padded: np.ndarray, margin: int, x0: float, y0: float, w: float, h: float,
                out_w: int, out_h: int) -> np.ndarray:
    """The image region ``(x0, y0, w, h)`` (unpadded image coordinates; it may reach beyond the image, which
    is reflected) resampled to ``out_w × out_h`` pixels, plus ``margin`` output pixels on every side."""
    kx, ky = out_w / w, out_h / h
    # output pixel (i, j) of the margin-framed result samples image point x0 + (j - margin + 0.5) / kx - 0.5
    matrix = np.float32([[1 / kx, 0, x0 + (0.5 - margin) / kx - 0.5 + margin],
                         [0, 1 / ky, y0 + (0.5 - margin) / ky - 0.5 + margin]])
    size = (out_w + 2 * margin, out_h + 2 * margin)
    if kx < 1 or ky < 1:  # shrinking: blur first so the resampling averages as area interpolation does
        sigma = 0.5 * np.sqrt(max(1 / kx, 1 / ky) ** 2 - 1)
        padded = cv2.GaussianBlur(padded, (0, 0), sigma) if sigma > 0.3 else padded
    return cv2.warpAffine(padded, matrix, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT_101)


def _inside_mask(x0: float, y0: float, w: float, h: float, out_w: int, out_h: int, margin: int,
                 width: int, height: int) -> np.ndarray:
    """Which pixels of a :func:`_cut_scaled` result (margin included) sample points inside the image."""
    kx, ky = out_w / w, out_h / h
    xs = x0 + (np.arange(out_w + 2 * margin) - margin + 0.5) / kx
    ys = y0 + (np.arange(out_h + 2 * margin) - margin + 0.5) / ky
    return (ys[:, None] >= 0) & (ys[:, None] < height) & (xs[None, :] >= 0) & (xs[None, :] < width)
