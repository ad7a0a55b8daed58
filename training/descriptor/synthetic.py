"""Tracking-like training queries for the descriptor from the synthetic scene generator.

RoadScene gives aligned stills: a box and a window cut from the same moment.
A tracker instead matches the first frame's template against later frames,
where the target has moved, turned, changed its stride or been partly hidden,
and it does so on crops whose scale follows the target (about 32 px of box
side at the loop's half-scale work size). These queries copy that: the
template is the target's box in frame ``t1`` of one modality, the search a
window around the target's box in frame ``t2`` (at most ``max_gap`` kept
frames away) of the other, both shrunk so the target has the size the
tracker's work crops give it (with a random jitter). Each modality uses its
own ground-truth box, so the ``misaligned`` preset's offset streams are fine.

Scenes are rendered once, at start, with seeds from ``synthetic_seed`` on,
far from the benchmark's preset seeds (3–51) and its development seeds (101,
202).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import ConfigError
from core.geometry import context_size
from evaluation.queries import search_window_around
from training.sources import default_scene_factory, usable_events, valid_box

MODALITIES = ("visible", "infrared")
#: The tracker's crops: exemplar 127 px per context size, then its 0.5 work scale.
TRACKER_WORK_PX_PER_CONTEXT = 127 * 0.5
PAD = 96  # reflected border of each stored frame, so regions near the edge keep their margin


@dataclass(frozen=True, eq=False)
class SyntheticFrame:
    images: dict  # modality -> padded image (H+2*PAD, W+2*PAD[, 3]) uint8
    boxes: dict  # modality -> xywh box in unpadded coordinates
    size: tuple[int, int]  # unpadded (w, h)


@dataclass(frozen=True, eq=False)
class SyntheticDraw:
    """One drawn query before the descriptor inputs are computed."""

    template_modality: str
    search_modality: str
    template: np.ndarray  # region with the margin, uint8
    search: np.ndarray
    offset: tuple[int, int]  # (row, col) of the template's top-left corner in the search map


def render_scenes(presets: tuple[str, ...], n_scenes: int, n_frames: int, seed: int) -> list[list[SyntheticFrame]]:
    """``n_scenes`` scenes (preset ``i % len``, all but demo by default; seed ``seed + i``) of ``n_frames``
    frames over each preset's whole story (:func:`training.sources.default_scene_factory`); frames where
    the target is hard to see in either modality are dropped."""
    from synth.scene import PRESETS

    factory = default_scene_factory(tuple(presets) or tuple(sorted(p for p in PRESETS if p != "demo")),
                                    seed, n_frames)
    pad = lambda im: cv2.copyMakeBorder(im, PAD, PAD, PAD, PAD, cv2.BORDER_REFLECT_101)  # noqa: E731
    scenes = []
    for i in range(n_scenes):
        frames = []
        for item in factory(i):
            vis, ir = item.frame.visible, item.frame.infrared
            if not (valid_box(item.box_visible, vis) and valid_box(item.box_infrared, ir)
                    and usable_events(getattr(item, "events", None))):
                continue
            frames.append(SyntheticFrame({"visible": pad(vis), "infrared": pad(ir)},
                                         {"visible": tuple(float(v) for v in item.box_visible),
                                          "infrared": tuple(float(v) for v in item.box_infrared)},
                                         (vis.shape[1], vis.shape[0])))
        if len(frames) >= 2:
            scenes.append(frames)
    if not scenes:
        raise ConfigError("synthetic scenes: no scene has two frames with the target visible in both modalities")
    return scenes


class SyntheticQueries:
    """Draws template/search regions from rendered scenes (see the module docstring)."""

    def __init__(self, scenes: list[list[SyntheticFrame]], margin: int, window_scale: float, max_gap: int,
                 scale_jitter: float = 1.25, cross_fraction: float = 0.8):
        self.scenes = scenes
        self.margin = margin
        self.window_scale = window_scale
        self.max_gap = max_gap
        self.jitter = scale_jitter
        self.cross_fraction = cross_fraction

    def __len__(self) -> int:
        return sum(len(s) for s in self.scenes)

    def draw(self, rng: np.random.Generator) -> SyntheticDraw:
        scene = self.scenes[int(rng.integers(len(self.scenes)))]
        t1 = int(rng.integers(len(scene)))
        lo, hi = max(0, t1 - self.max_gap), min(len(scene) - 1, t1 + self.max_gap)
        t2 = int(rng.integers(lo, hi + 1))
        t_mod = MODALITIES[int(rng.integers(2))]
        s_mod = MODALITIES[1 - MODALITIES.index(t_mod)] if rng.random() < self.cross_fraction else t_mod
        f1, f2 = scene[t1], scene[t2]
        b1, b2 = f1.boxes[t_mod], f2.boxes[s_mod]
        k = TRACKER_WORK_PX_PER_CONTEXT / context_size(b1[2], b1[3])
        k = float(np.clip(k * math.exp(rng.uniform(-1, 1) * math.log(self.jitter)), 0.15, 1.0))
        # The template: b1 shrunk by k, whole pixels, at least 6 px a side.
        tw, th = max(6, int(round(b1[2] * k))), max(6, int(round(b1[3] * k)))
        template = self._region(f1, t_mod, (b1[0] + b1[2] / 2, b1[1] + b1[3] / 2), (tw, th), k)
        # The search window: around b2 (shrunk) with the target at a random offset, in shrunk image pixels.
        w_small = (int(f2.size[0] * k), int(f2.size[1] * k))
        c2 = ((b2[0] + b2[2] / 2) * k, (b2[1] + b2[3] / 2) * k)
        placed = (int(round(c2[0] - tw / 2)), int(round(c2[1] - th / 2)), tw, th)  # the template's true spot
        wx, wy, ww, wh = (int(v) for v in search_window_around(placed, self.window_scale, w_small, rng))
        ww, wh = max(ww, tw), max(wh, th)
        wx = int(np.clip(wx, placed[0] + tw - ww, placed[0]))
        wy = int(np.clip(wy, placed[1] + th - wh, placed[1]))
        search = self._region(f2, s_mod, ((wx + ww / 2) / k, (wy + wh / 2) / k), (ww, wh), k)
        return SyntheticDraw(t_mod, s_mod, template, search, (placed[1] - wy, placed[0] - wx))

    def _region(self, frame: SyntheticFrame, modality: str, centre: tuple[float, float],
                size: tuple[int, int], k: float) -> np.ndarray:
        """The ``size`` (shrunk px) region centred on ``centre`` (full-size px), plus the margin, shrunk by k."""
        m = self.margin
        out_w, out_h = size[0] + 2 * m, size[1] + 2 * m
        # dst pixel (u, v) samples full-size (centre + (u + 0.5 - out_w / 2) / k) in the padded image
        src_x0 = centre[0] + PAD - out_w / (2 * k)
        src_y0 = centre[1] + PAD - out_h / (2 * k)
        image = frame.images[modality]
        # Cut the source rectangle (plus a few px for the filter) first, so nothing runs on the whole frame.
        sigma = 0.5 / k - 0.3 if k < 0.7 else 0.0  # an area-like pre-filter before the point sampling
        extra = int(math.ceil(3 * sigma)) + 2
        x0 = max(int(math.floor(src_x0)) - extra, 0)
        y0 = max(int(math.floor(src_y0)) - extra, 0)
        x1 = min(int(math.ceil(src_x0 + out_w / k)) + extra, image.shape[1])
        y1 = min(int(math.ceil(src_y0 + out_h / k)) + extra, image.shape[0])
        part = np.ascontiguousarray(image[y0:y1, x0:x1])
        if sigma > 0:
            part = cv2.GaussianBlur(part, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
        matrix = np.float32([[1 / k, 0, src_x0 - x0 + 0.5 / k - 0.5], [0, 1 / k, src_y0 - y0 + 0.5 / k - 0.5]])
        return cv2.warpAffine(part, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REFLECT_101)
