"""Per-frame tracking history (boxes, confidence, fusion weights, fps, states) as growable arrays."""
from __future__ import annotations

import numpy as np

from app.updates import FrameUpdate
from tracker.result import STATES

STATE_CODES = {name: i for i, name in enumerate(("init",) + STATES)}
STATE_NAMES = {i: name for name, i in STATE_CODES.items()}


class TrackHistory:
    """What was tracked on each frame index; a frame tracked again overwrites its entry.

    Selecting a target (an ``init`` update) starts a new run: entries after
    that frame are cleared. ``revision`` increases whenever recorded entries
    change (cleared or overwritten), so an exporter knows to rewrite its file.
    """

    def __init__(self, capacity: int = 512):
        self._cap = 0
        self.boxes = np.empty((0, 4))
        self.confidence = np.empty(0)
        self.weights = {m: np.empty(0) for m in ("visible", "infrared")}
        self.fps = np.empty(0)
        self.states = np.empty(0, np.int8)
        self.last = -1
        self.count = 0
        self.revision = 0
        self._grow(capacity)

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * self._cap, 64)
        pad = cap - self._cap
        self.boxes = np.concatenate([self.boxes, np.full((pad, 4), np.nan)])
        self.confidence = np.concatenate([self.confidence, np.full(pad, np.nan)])
        self.weights = {m: np.concatenate([w, np.full(pad, np.nan)]) for m, w in self.weights.items()}
        self.fps = np.concatenate([self.fps, np.full(pad, np.nan)])
        self.states = np.concatenate([self.states, np.full(pad, -1, np.int8)])
        self._cap = cap

    def clear_after(self, index: int) -> None:
        """Forget every frame after ``index``."""
        start = max(index + 1, 0)
        if start <= self.last:
            self.boxes[start:self.last + 1] = np.nan
            self.confidence[start:self.last + 1] = np.nan
            for w in self.weights.values():
                w[start:self.last + 1] = np.nan
            self.fps[start:self.last + 1] = np.nan
            self.states[start:self.last + 1] = -1
            self.revision += 1
        self.last = min(self.last, index)
        self.count = int((self.states[: self.last + 1] >= 0).sum()) if self.last >= 0 else 0

    def record(self, update: FrameUpdate) -> bool:
        """Store an ``init`` or ``track`` update; returns False for frames that were only shown."""
        if update.kind not in ("init", "track"):
            return False
        i = update.index
        if i >= self._cap:
            self._grow(i + 1)
        if update.kind == "init":
            self.clear_after(i)
        fresh = self.states[i] < 0
        self.boxes[i] = update.box
        result = update.result
        self.confidence[i] = np.nan if result is None else result.confidence
        for m, w in self.weights.items():
            w[i] = np.nan if result is None else result.weights.get(m, np.nan)
        self.fps[i] = 1e3 / update.tracker_ms if update.tracker_ms else np.nan
        self.states[i] = STATE_CODES.get(update.state, STATE_CODES["tracking"])
        if not fresh and update.kind == "track":
            self.revision += 1  # an earlier frame tracked again: files written so far are stale
        self.last = max(self.last, i)
        self.count += int(fresh)
        return True

    def has(self, index: int) -> bool:
        return 0 <= index <= self.last and self.states[index] >= 0

    def box_at(self, index: int) -> np.ndarray | None:
        return self.boxes[index].copy() if self.has(index) else None

    def state_at(self, index: int) -> str | None:
        return STATE_NAMES.get(int(self.states[index])) if self.has(index) else None

    def trail(self, upto: int, length: int = 60) -> np.ndarray:
        """Centres ``(N, 2)`` of the recorded boxes in the ``length`` frames up to ``upto``."""
        lo = max(upto - length + 1, 0)
        hi = min(upto, self.last) + 1
        if hi <= lo:
            return np.empty((0, 2))
        b = self.boxes[lo:hi]
        ok = np.isfinite(b).all(axis=1) & (self.states[lo:hi] >= 0)
        b = b[ok]
        return b[:, :2] + b[:, 2:] / 2

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(frame indices, values)`` up to the last frame; ``name`` is confidence, fps, visible or infrared."""
        n = self.last + 1
        values = {"confidence": self.confidence, "fps": self.fps}.get(name)
        if values is None:
            values = self.weights[name]
        return np.arange(n, dtype=np.float64), values[:n]

    def results(self) -> np.ndarray:
        """Boxes ``(last + 1, 4)`` for a results file: NaN where nothing was tracked."""
        return self.boxes[: self.last + 1].copy()
