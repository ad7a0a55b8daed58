"""One-pass tracking metrics: precision (PR), success (SR) and normalized precision (NPR).

Definitions (OTB, Wu et al. TPAMI 2015; LaSOT, Fan et al. CVPR 2019):

- PR: fraction of frames whose centre error is at most 20 px.
- SR: area under the success curve, i.e. the mean over 21 IoU thresholds
  0, 0.05, ..., 1 of the fraction of frames with IoU above the threshold.
- NPR: centre error normalised by the ground-truth size (``|Δx/w, Δy/h|``),
  area under its precision curve over thresholds 0..0.5 (51 points).

RGB-T convention (RGBT234, Li et al., "RGB-T object tracking: benchmark and
baseline", Pattern Recognition 2019; also LasHeR): where a frame has ground
truth in both modalities, the centre error is the *smaller* of the two
modalities' errors and the IoU the *larger* of the two overlaps. Frames whose
ground truth is absent in every modality are left out, as is the
initialisation frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.geometry import box_center, iou

IOU_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PIXEL_THRESHOLDS = np.arange(0, 51, dtype=float)
NORM_THRESHOLDS = np.linspace(0.0, 0.5, 51)


@dataclass(frozen=True)
class FrameErrors:
    """Per-frame IoU, centre error and normalised centre error (NaN where not evaluated)."""

    iou: np.ndarray
    center: np.ndarray
    norm_center: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return ~np.isnan(self.center)


def _errors_one(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ious = iou(pred, gt)
    pred_missing = ~np.all(np.isfinite(pred), axis=1) | (pred[:, 2] <= 0) | (pred[:, 3] <= 0)
    d = box_center(pred) - box_center(gt)
    center = np.linalg.norm(d, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = np.linalg.norm(d / gt[:, 2:], axis=1)
    gt_missing = ~np.all(np.isfinite(gt), axis=1)
    # A missing prediction on a present target is a miss: IoU 0, infinite error.
    ious = np.where(pred_missing & ~gt_missing, 0.0, ious)
    center = np.where(pred_missing & ~gt_missing, np.inf, center)
    norm = np.where(pred_missing & ~gt_missing, np.inf, norm)
    center[gt_missing], norm[gt_missing], ious[gt_missing] = np.nan, np.nan, np.nan
    return ious, center, norm


def frame_errors(pred_visible: np.ndarray, gt_visible: np.ndarray | None,
                 pred_infrared: np.ndarray | None = None, gt_infrared: np.ndarray | None = None,
                 skip: int | None = 0) -> FrameErrors:
    """Errors under the RGB-T convention; ``skip`` is the init frame index to leave out (None: keep all)."""
    per_mod = []
    for pred, gt in ((pred_visible, gt_visible), (pred_infrared, gt_infrared)):
        if gt is None or pred is None:
            continue
        n = min(len(pred), len(gt))
        per_mod.append(_errors_one(np.asarray(pred[:n], float), np.asarray(gt[:n], float)))
    if not per_mod:
        raise ValueError("no ground truth to evaluate against")
    n = min(len(m[0]) for m in per_mod)
    stack = lambda k: np.stack([m[k][:n] for m in per_mod])  # noqa: E731
    with np.errstate(all="ignore"):
        ious = np.nanmax(np.where(np.isnan(stack(0)), -np.inf, stack(0)), axis=0)
        center = np.nanmin(np.where(np.isnan(stack(1)), np.inf, stack(1)), axis=0)
        norm = np.nanmin(np.where(np.isnan(stack(2)), np.inf, stack(2)), axis=0)
    absent = np.all(np.isnan(stack(1)), axis=0)
    ious[absent], center[absent], norm[absent] = np.nan, np.nan, np.nan
    if skip is not None and 0 <= skip < n:
        ious[skip], center[skip], norm[skip] = np.nan, np.nan, np.nan
    return FrameErrors(ious, center, norm)


@dataclass(frozen=True)
class TrackingScores:
    frames: int
    pr: float
    sr: float
    npr: float
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray

    def as_dict(self) -> dict:
        return {"frames": self.frames, "PR": self.pr, "SR": self.sr, "NPR": self.npr}


def scores(errors: FrameErrors | list[FrameErrors]) -> TrackingScores:
    """PR/SR/NPR over the frames of one or several sequences (frames pooled)."""
    errs = errors if isinstance(errors, list) else [errors]
    ious = np.concatenate([e.iou[e.valid] for e in errs])
    center = np.concatenate([e.center[e.valid] for e in errs])
    norm = np.concatenate([e.norm_center[e.valid] for e in errs])
    if len(ious) == 0:
        nan = float("nan")
        empty = np.full(1, np.nan)
        return TrackingScores(0, nan, nan, nan, empty, empty, empty)
    success = np.array([(ious > t).mean() for t in IOU_THRESHOLDS])
    precision = np.array([(center <= t).mean() for t in PIXEL_THRESHOLDS])
    norm_prec = np.array([(norm <= t).mean() for t in NORM_THRESHOLDS])
    return TrackingScores(len(ious), float((center <= 20).mean()), float(success.mean()), float(norm_prec.mean()),
                          success, precision, norm_prec)
