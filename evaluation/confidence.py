"""How well a matcher's score predicts a correct match: a logistic fit on eval-match predictions.

For a method whose score is a probability (the learned model and
``cfog-tracker`` report the sigmoid of their peak logit), the fit
``P(IoU >= 0.5) = sigmoid(a * logit(score) + b)`` says how to recalibrate
that logit: ``a = 1, b = 0`` means it is calibrated already. The tracker's
fallback backend takes its gain and bias from such fits (see
docs/BENCHMARKS.md, "CFOG confidence calibration").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LogisticFit:
    a: float  # slope on the logit of the score
    b: float  # intercept
    n: int  # queries used
    positives: int  # of which correct (IoU >= threshold)
    log_loss_before: float  # mean log loss of the raw score
    log_loss_after: float  # mean log loss of the refitted probability

    def apply(self, logit: float) -> float:
        """The recalibrated logit."""
        return self.a * logit + self.b


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def fit_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 50, ridge: float = 1e-6) -> tuple[float, float]:
    """``(a, b)`` maximising the likelihood of ``y ~ Bernoulli(sigmoid(a x + b))`` (Newton's method)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    design = np.stack([x, np.ones_like(x)], axis=1)
    w = np.zeros(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        grad = design.T @ (p - y) + ridge * w
        hess = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(w[0]), float(w[1])


def confidence_fit(scores: np.ndarray, ious: np.ndarray, threshold: float = 0.5) -> LogisticFit | None:
    """The fit for queries with a finite score in (0, 1); ``None`` when all are right or all wrong."""
    scores, ious = np.asarray(scores, np.float64), np.asarray(ious, np.float64)
    keep = np.isfinite(scores) & (scores >= 0) & (scores <= 1)
    if keep.sum() < 2:
        return None
    y = (ious[keep] >= threshold).astype(np.float64)
    if y.min() == y.max():
        return None
    x = logit(scores[keep])
    a, b = fit_logistic(x, y)
    after = 1.0 / (1.0 + np.exp(-(a * x + b)))
    return LogisticFit(a=a, b=b, n=int(keep.sum()), positives=int(y.sum()),
                       log_loss_before=_log_loss(np.clip(scores[keep], 0, 1), y),
                       log_loss_after=_log_loss(after, y))


def describe(fit: LogisticFit) -> str:
    return (f"P(IoU>=0.5) = sigmoid({fit.a:.3f} * logit(score) {'+' if fit.b >= 0 else '-'} {abs(fit.b):.3f}) "
            f"over {fit.n} queries ({fit.positives} correct); log loss {fit.log_loss_before:.3f} -> "
            f"{fit.log_loss_after:.3f}")
