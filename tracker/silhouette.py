"""A heterologous cue from the target's silhouette: its colour-foreground map matched against the other
modality's intensity.

A walker is a small part of its box, and a structure descriptor matches the
hedge and kerb edges behind it across modalities better than the walker's
own outline in mid-stride (docs/TRACKER.md, "Fourteenth session"). In a
thermal image a person is a region of one temperature that stands out from
its surroundings, bright in the usual white-hot display, and its outline is
the same as in the visible image. The foreground probability of the init
frame's colours (:mod:`tracker.foreground`) is a soft silhouette of the target
cut from the init modality alone, so matching that map by zero-mean NCC
against the search modality's intensity finds the region of the target's
shape that is brighter than its surroundings without any template from the
searched modality.

That assumption does not hold everywhere (a car's body can be colder than
the road; a patch of scene has no silhouette), so the tracker only uses the
cue once it has passed a check on the init frame (``Tracker._silhouette``):
at the known position it must score at least ``heterologous_silhouette_min``
and its best match in the search crop must lie within a grid step of it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tracker.classic_backend import CROSS_MODALITY, sample_on_grid
from tracker.foreground import foreground_probability, separation, smoothed

#: NCC -> logit for the cue, for a backend without a fitted cross-modal map of its own (``backend.cross``, which
#: the CFOG and learned-descriptor backends have): CFOG's.
SILHOUETTE_LOGITS = CROSS_MODALITY


@dataclass(frozen=True, eq=False)
class SilhouetteTemplate:
    """A zero-mean silhouette at work scale, with the scale it was cut at (work px per crop px)."""

    mask: np.ndarray  # (h, w) float32, zero mean
    scale: float
    separation: float


def silhouette_template(crop: np.ndarray, target: tuple[float, float], work_scale: float = 0.5,
                        margin: float = 0.25) -> SilhouetteTemplate | None:
    """The foreground map of the exemplar ``crop`` over the centred box ``target`` = (w, h) (crop px) grown by
    ``margin`` of its width and height on each side, shrunk by ``work_scale``; None where it is flat."""
    raw = foreground_probability(crop, target, smooth=0)
    sep = separation(raw, target)
    prob = smoothed(raw, 1.0)  # as foreground_probability(..., smooth=1.0), from the one histogram pass
    h, w = prob.shape
    tw, th = float(target[0]) * (1 + 2 * margin), float(target[1]) * (1 + 2 * margin)
    x0, x1 = max(0, int(round((w - tw) / 2))), min(w, int(round((w + tw) / 2)))
    y0, y1 = max(0, int(round((h - th) / 2))), min(h, int(round((h + th) / 2)))
    cut = prob[y0:y1, x0:x1]
    size = (max(3, int(round(cut.shape[1] * work_scale))), max(3, int(round(cut.shape[0] * work_scale))))
    small = cv2.resize(cut, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    small -= float(small.mean())
    if float(np.abs(small).max()) < 1e-3:
        return None
    return SilhouetteTemplate(small, work_scale, sep)


def silhouette_ncc(template: SilhouetteTemplate, crops: np.ndarray, origin: float, stride: float,
                   cells: int) -> np.ndarray:
    """``(S, cells, cells)`` NCC of the silhouette against each crop's intensity, sampled at the grid whose cell
    ``(i, j)`` is centred on the crop point ``(origin + stride * j, origin + stride * i)`` (as
    ``tracker.backends.Response``), resampled as the dense backends' maps are (``sample_on_grid``)."""
    k = template.scale
    th, tw = template.mask.shape
    grid = origin + stride * np.arange(cells, dtype=np.float32)
    # dense cell (y, x) is the placement whose top-left corner is (x, y): its centre is half the template on
    centre = ((tw - 1) / 2, (th - 1) / 2)
    out = []
    for crop in crops:
        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
        side = max(8, int(round(grey.shape[0] * k)))
        work = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA).astype(np.float32)
        dense = np.nan_to_num(cv2.matchTemplate(work, template.mask, cv2.TM_CCOEFF_NORMED),
                              nan=0.0, posinf=0.0, neginf=0.0)
        out.append(sample_on_grid(dense, grid, stride, k, centre, 1.0))
    return np.stack(out).astype(np.float32)
