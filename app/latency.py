"""GUI responsiveness probe: a 10 ms QTimer on the GUI thread that records how late each tick fires."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
from PyQt6 import QtCore


@dataclass(frozen=True)
class LatencyReport:
    """Lateness of the GUI event loop in milliseconds (tick interval minus the nominal interval)."""

    interval_ms: float
    samples: int
    median_ms: float
    p95_ms: float
    max_ms: float
    duration_s: float

    def to_dict(self) -> dict:
        return asdict(self)


class LatencyProbe(QtCore.QObject):
    """Start it while tracking; every tick notes ``(time since the last tick) - interval``."""

    def __init__(self, interval_ms: int = 10, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.lateness: list[float] = []
        self._last: float | None = None
        self._started = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.lateness.clear()
        self._last = None
        self._started = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lateness.append(max((now - self._last) * 1e3 - self.interval_ms, 0.0))
        self._last = now

    def report(self) -> LatencyReport:
        a = np.asarray(self.lateness, dtype=np.float64)
        if a.size == 0:
            a = np.zeros(1)
        return LatencyReport(float(self.interval_ms), int(len(self.lateness)), float(np.median(a)),
                             float(np.percentile(a, 95)), float(a.max()), time.perf_counter() - self._started)
