"""A constant-velocity motion prior for the tracking loop.

SiamFC centres each frame's search on the last position and trusts the
cosine window to keep the peak near it. A target that walks steadily across
a panning view then sits off-centre in every window, and when its appearance
drops for a few frames (a stride that spreads the legs, an occluder in
front) a static background structure near the old position can win. The
prior keeps an exponentially smoothed image velocity of the target, learnt
from confident frames only, so that the search, the window and, while the
target cannot be seen, the reported box follow where it is heading.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class VelocityModel:
    """Exponentially smoothed image velocity (reference px per frame).

    ``lr`` is the weight of each confident frame's displacement (0 turns the
    prior off: the prediction is the last position); ``decay`` shrinks the
    velocity on every frame the target is not seen, so that a long coast
    slows down instead of running off; ``max_step`` caps one frame's
    predicted move as a fraction of the target's size; ``max_innovation``
    (0 = off) caps how far one frame's displacement may pull the velocity
    away from its current value, as a fraction of the target's mean side, so
    that one jump to a look-alike does not set the target coasting after it
    (a robust, Huber-like update: a real turn still gets through over a few
    frames).
    """

    lr: float = 0.3
    decay: float = 0.97
    max_step: float = 0.5
    max_innovation: float = 0.0
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def step(self, size: np.ndarray) -> np.ndarray:
        """The predicted move for the next frame, capped by the target ``size``."""
        limit = self.max_step * float(np.mean(size))
        speed = float(np.hypot(*self.velocity))
        if speed > limit > 0:
            return self.velocity * (limit / speed)
        return self.velocity.copy()

    def observe(self, displacement: np.ndarray, size: np.ndarray | None = None) -> None:
        """A confident frame moved the target by ``displacement`` (reference px); ``size`` is the target's
        (for ``max_innovation``)."""
        if self.lr <= 0:
            return
        innovation = np.asarray(displacement, float) - self.velocity
        if self.max_innovation > 0 and size is not None:
            limit = self.max_innovation * float(np.mean(size))
            norm = float(np.hypot(*innovation))
            if norm > limit:
                innovation = innovation * (limit / norm)
        self.velocity = self.velocity + self.lr * innovation

    def unseen(self) -> None:
        """A frame without a trustworthy measurement: coast and slow down."""
        self.velocity = self.velocity * self.decay
