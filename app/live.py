"""Reading a live source in its own thread and keeping only the newest frame pair."""
from __future__ import annotations

import threading
from typing import Iterable

from core.errors import SourceError
from streams.frames import FramePair


class SourceEnded(Exception):
    """The source has no more frames (a file ended, or a live source was closed)."""


class LatestFrameReader:
    """Pulls pairs from ``source`` as fast as it delivers them; :meth:`take` returns the newest.

    A pair replaced before anyone took it is counted in ``dropped`` (stale
    frames are never queued). An error raised by the source (e.g. a camera
    that disconnects, :class:`SourceError`) is re-raised by the next
    :meth:`take`, after the frames already delivered.
    """

    def __init__(self, source: Iterable[FramePair], name: str = "source"):
        self.name = name
        self.dropped = 0
        self.delivered = 0
        self._latest: FramePair | None = None
        self._error: BaseException | None = None
        self._ended = False
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._iterator = iter(source)
        self._thread = threading.Thread(target=self._run, name=f"reader {name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for pair in self._iterator:
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = pair
                    self._cond.notify_all()
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            with self._cond:
                self._error = exc
                self._cond.notify_all()
            return
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def take(self, timeout: float = 5.0) -> FramePair:
        """The newest pair not taken yet, waiting at most ``timeout`` seconds."""
        with self._cond:
            ready = self._cond.wait_for(lambda: self._latest is not None or self._error is not None or self._ended
                                        or self._stop.is_set(), timeout=timeout)
            if self._latest is not None:
                pair, self._latest = self._latest, None
                self.delivered += 1
                return pair
            if self._error is not None:
                error = self._error
                if isinstance(error, Exception):
                    raise error
                raise SourceError(f"{self.name}: stopped ({type(error).__name__})")
            if self._ended or self._stop.is_set():
                raise SourceEnded(f"{self.name}: no more frames")
            if not ready:
                raise SourceError(f"{self.name}: no frame within {timeout:g} s (disconnected or stalled)")
            raise SourceEnded(f"{self.name}: no more frames")  # pragma: no cover - wait_for returned early

    def poll(self) -> FramePair | None:
        """The newest pair if one arrived since the last call, else ``None`` (never waits)."""
        with self._cond:
            if self._latest is None and self._error is not None:
                error = self._error
                raise error if isinstance(error, Exception) else SourceError(f"{self.name}: stopped")
            pair, self._latest = self._latest, None
            if pair is not None:
                self.delivered += 1
            return pair

    def close(self) -> None:
        """Stop reading (the source itself is closed by its owner)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
