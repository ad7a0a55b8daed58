"""The target's width in the searched image: the box the tracker reports, measured from this frame's pixels.

SiamFC's box keeps the template's aspect ratio and changes only by the damped
scale steps of the pyramid. A walker's tight box does not: on the synthetic
scenes its width swings from about 20 px with the legs together to about
50 px in mid-stride at an unchanged height, and a box kept near the first
frame's width loses half its overlap at every stride although its centre is
right (docs/TRACKER.md, "Seventeenth session"). The matcher cannot tell: it
matches a template of fixed size.

The image can. Near a tracked position the target's pixels differ from those
beside it: a person in a thermal image is one region of about one
temperature. ``measure_extent`` looks at the rows of the tracked box and at
columns beyond each side of it, splits their grey levels into classes by
Otsu's threshold (and Otsu's again within each class, so that a walker's
feet are told from a warm pavement), takes the class that fills the box's
columns more than those beside them, leaves out rows that class fills (the
ground, a wall behind), and moves the box's left and right edges to those of
the connected regions of that class that cover the box. Its height and
vertical position stay the tracker's. Nothing is learnt across frames and
nothing enters a template or the tracker's state: the measured box is only
what the tracker reports, while its search keeps its own size (a crop sized
to a mid-stride box would show the frozen template at another scale).

A measurement is refused (None) where nothing stands out, where the
target's class runs on beyond the columns looked at, or where the edges
found make a box narrower than half the tracked one or wider than
``max_width`` times it. ``Tracker`` also checks once, on the init frame, that
the measurement of the known box gives that box back (``extent_check``): a
target whose pixels do not stand out in the searched modality (a car at the
road's temperature, a patch of scene) is never measured.
"""
from __future__ import annotations

import cv2
import numpy as np


def measure_extent(image: np.ndarray, box: np.ndarray, margin: float = 0.5, max_width: float = 3.0,
                   min_contrast: float = 0.15, min_overlap: float = 0.05,
                   min_rows: float = 0.06) -> np.ndarray | None:
    """The tracked ``box`` (x, y, w, h) with its left and right edges moved to those of the target's pixels in
    ``image`` (uint8, grey or RGB), or None where no plausible outline is found.

    The rows looked at are the box's below its top 15% (the head is narrow); the columns reach
    ``max(w, margin * h)`` beyond each side (a stride widens a walker by about half its height at most). Otsu's
    threshold splits those pixels in two, and Otsu's again splits each half; of these four classes the target's
    is the one more frequent in the box's columns than beside them, by ``min_contrast`` at least, once the rows
    it fills for more than half their width (the ground at the feet, a wall behind) are left out. The connected
    regions of that class which cover at least ``min_overlap`` of the box give the edges: the outermost
    columns holding ``min_rows`` of the rows (and 3 at least) of them."""
    x, y, w, h = (float(v) for v in box)
    if w < 2 or h < 4:
        return None
    H, W = image.shape[:2]
    gx = max(w, margin * h)
    x0, x1 = int(np.floor(max(0.0, x - gx))), int(np.ceil(min(float(W), x + w + gx)))
    y0, y1 = int(np.floor(max(0.0, y + 0.15 * h))), int(np.ceil(min(float(H), y + h)))
    if x1 - x0 < 8 or y1 - y0 < 4:
        return None
    band = np.ascontiguousarray(image[y0:y1, x0:x1])
    if band.ndim == 3:
        band = cv2.cvtColor(band, cv2.COLOR_RGB2GRAY)
    bx0, bx1 = int(round(max(x, 0.0) - x0)), int(round(min(x + w, float(W)) - x0))
    if bx1 - bx0 < 2 or (bx0 <= 0 and bx1 >= band.shape[1]):
        return None
    # Otsu's threshold, and Otsu's again within each of its two classes: the brightest or darkest class can be
    # the target alone where the first split puts it with the ground (a warm pavement under a walker's feet)
    t1 = _otsu(band.ravel())
    upper, lower = band[band > t1], band[band <= t1]
    candidates = [band > t1, band <= t1]
    if upper.size > 16:
        candidates.append(band > _otsu(upper))
    if lower.size > 16:
        candidates.append(band <= _otsu(lower))
    beside = np.ones(band.shape[1], bool)
    beside[bx0:bx1] = False
    best = None
    for fg in candidates:
        fg = fg.astype(np.uint8)
        rows = fg.mean(axis=1) <= 0.5  # a row mostly of this class is ground or a wall behind: left out
        if rows.sum() < 0.5 * len(rows):
            continue
        fg = fg * rows[:, None].astype(fg.dtype)  # (over all rows: a class that loses rows to the ground loses)
        contrast = float(fg[:, bx0:bx1].mean() - fg[:, beside].mean())
        if best is None or contrast > best[0]:
            best = (contrast, fg)
    if best is None or best[0] < min_contrast:
        return None
    fg = best[1]
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    inbox = np.bincount(labels[:, bx0:bx1].ravel(), minlength=n)
    last = band.shape[1]
    keep = [k for k in range(1, n) if inbox[k] >= min_overlap * (bx1 - bx0) * band.shape[0]
            # a region that runs on beyond the columns looked at is background, not an outline
            and not (stats[k, cv2.CC_STAT_LEFT] == 0 < x0)
            and not (stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH] == last and x1 < W)]
    if not keep:
        return None
    # the columns that hold a few rows of it: a stray row of clutter joined to the head does not widen the box
    counts = np.isin(labels, keep).sum(axis=0)
    held = np.flatnonzero(counts >= max(3, min_rows * band.shape[0]))
    if held.size == 0:
        return None
    left, right = int(held[0]), int(held[-1]) + 1
    width = float(right - left)
    if not 0.5 * w <= width <= max_width * w:
        return None
    return np.array([x0 + float(left), y, width, h])


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold of uint8 ``values``: a value ``v`` is in the upper class when ``v > threshold``."""
    t, _ = cv2.threshold(np.ascontiguousarray(values, np.uint8).reshape(1, -1), 0, 255,
                         cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(t)
