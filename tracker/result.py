"""What one ``Tracker.update`` call returns; the GUI and CLI consume only this."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATES = ("tracking", "weak", "lost", "redetected", "blind")


@dataclass(frozen=True, eq=False)
class TrackResult:
    """The outcome for one frame.

    ``box``: xywh in visible (reference) coordinates; ``box_infrared`` the same
    box in infrared coordinates. ``confidence`` is the fused peak probability
    in [0, 1]. ``state`` is one of :data:`STATES`. ``score_maps`` holds each
    searched modality's probability maps ``(S, H, W)`` and ``"fused"``;
    ``windowed`` is the upsampled fused map of the chosen scale after the
    cosine-window penalty. ``weights`` are the per-modality fusion weights and
    ``health`` why each modality was used or skipped. ``timings`` are
    milliseconds per stage.
    """

    index: int
    box: np.ndarray
    box_infrared: np.ndarray
    score: float
    confidence: float
    state: str
    modalities: tuple[str, ...]
    weights: dict[str, float]
    health: dict[str, str]
    best_scale: int
    score_maps: dict[str, np.ndarray] = field(default_factory=dict)
    windowed: np.ndarray | None = None
    attention: dict[str, np.ndarray] | None = None
    features: dict[str, np.ndarray] | None = None
    timings: dict[str, float] = field(default_factory=dict)
