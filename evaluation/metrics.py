"""Scores of a set of matching predictions: mIoU, precision at IoU 0.5 / 0.7, speed."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.geometry import iou


@dataclass(frozen=True)
class MatchMetrics:
    """Summary of ``n`` queries. A missing prediction (NaN box) counts as IoU 0 and as a miss."""

    n: int
    miou: float
    p50: float  # fraction of queries with IoU >= 0.5
    p70: float  # fraction of queries with IoU >= 0.7
    ms_per_query: float
    misses: int  # queries without a prediction


def prediction_ious(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """IoU per query; rows where ``predicted`` is NaN (no prediction) give 0."""
    predicted, target = _boxes(predicted), _boxes(target)
    if len(predicted) != len(target):
        raise ValueError(f"{len(predicted)} predictions for {len(target)} targets")
    if not len(predicted):
        return np.zeros(0)
    return np.nan_to_num(iou(predicted, target), nan=0.0)


def _boxes(boxes) -> np.ndarray:
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def match_metrics(predicted: np.ndarray, target: np.ndarray, ms: np.ndarray) -> MatchMetrics:
    """Metrics of ``(N, 4)`` predicted vs target xywh boxes with per-query times ``ms``."""
    ious = prediction_ious(predicted, target)
    ms = np.asarray(ms, dtype=np.float64).reshape(-1)
    if len(ms) != len(ious):
        raise ValueError(f"{len(ms)} timings for {len(ious)} queries")
    n = len(ious)
    if n == 0:
        return MatchMetrics(0, float("nan"), float("nan"), float("nan"), float("nan"), 0)
    misses = int(np.isnan(_boxes(predicted)).any(axis=1).sum())
    return MatchMetrics(
        n=n,
        miou=float(ious.mean()),
        p50=float((ious >= 0.5).mean()),
        p70=float((ious >= 0.7).mean()),
        ms_per_query=float(ms.mean()),
        misses=misses,
    )
