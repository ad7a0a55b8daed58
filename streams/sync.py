"""Pairing a visible and an infrared stream: by index or by timestamp.

Pure Python (no OpenCV, no NumPy), so it can be tested on timestamp lists.

**By index** (dataset folders, image folders at one frame rate): frame ``i``
of one stream goes with frame ``i`` of the other; see :func:`pair_by_index`.

**By timestamp** (video files and cameras, possibly at different rates):
one stream, the *leader*, sets the output ticks, one tick per leader frame,
in order. At each tick the *follower* frame whose timestamp is nearest to the
leader's is chosen (on a tie, the earlier one); if it lies farther than
``tolerance`` seconds away, the tick carries ``None`` for the follower. So a
follower frame can be emitted more than once (*duplicated*: when the leader
is faster) or never (*dropped*: when the leader is slower, or the frame fell
outside every tolerance window). For each stream, ``used + dropped ==
total``, where ``used`` counts distinct frames emitted and ``total`` the
frames read. The leader's frames are each used exactly once. Output ticks
have the leader's timestamps, so they never go back in time.

The follower is read one frame ahead of the tick, so a live follower adds at
most one of its frame periods of latency.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Generic, Iterable, Iterator, NamedTuple, TypeVar

from core.errors import InputError

V = TypeVar("V")
I = TypeVar("I")
T = TypeVar("T")

LEADERS = ("visible", "infrared")
# Float slack when comparing a time difference to the tolerance, or two differences for a tie.
EPS = 1e-9


class Stamped(NamedTuple, Generic[T]):
    """One frame of one stream: its position in the stream, time in seconds and payload."""

    index: int
    t: float
    item: T


@dataclass(frozen=True)
class SyncTick(Generic[V, I]):
    """One output tick: the chosen frame of each stream, or ``None``."""

    index: int
    visible: Stamped[V] | None
    infrared: Stamped[I] | None

    @property
    def t(self) -> float:
        """The tick's time: the leader's timestamp."""
        frame = self.visible if self.visible is not None else self.infrared
        assert frame is not None
        return frame.t

    @property
    def skew(self) -> float | None:
        """``|t_visible - t_infrared|`` when both frames are present."""
        if self.visible is None or self.infrared is None:
            return None
        return abs(self.visible.t - self.infrared.t)


@dataclass(frozen=True)
class StreamCounts:
    """Frame accounting of one stream: ``used + dropped == total``."""

    total: int = 0
    used: int = 0
    dropped: int = 0
    duplicated: int = 0


@dataclass(frozen=True)
class SyncReport:
    """What a synchroniser did: ticks, per-stream counts and the skew over paired ticks."""

    ticks: int
    paired: int
    visible: StreamCounts
    infrared: StreamCounts
    skew_mean: float | None
    skew_max: float | None

    def summary(self) -> str:
        """One line for logs and status bars."""
        def part(name: str, c: StreamCounts) -> str:
            return f"{name} {c.used}/{c.total} used, {c.dropped} dropped, {c.duplicated} duplicated"
        skew = "n/a"
        if self.skew_mean is not None and self.skew_max is not None:
            skew = f"mean {self.skew_mean * 1e3:.1f} ms, max {self.skew_max * 1e3:.1f} ms"
        return (f"{self.ticks} ticks, {self.paired} paired; {part('visible', self.visible)}; "
                f"{part('infrared', self.infrared)}; skew {skew}")


class _Counter:
    """Mutable per-stream tallies behind :class:`StreamCounts`."""

    def __init__(self) -> None:
        self.total = 0
        self.used = 0
        self.dropped = 0
        self.duplicated = 0

    def settle(self, uses: int) -> None:
        """Account for a frame that will not be chosen again."""
        if uses == 0:
            self.dropped += 1
        else:
            self.used += 1
            self.duplicated += uses - 1

    def snapshot(self, pending: Iterable[int] = ()) -> StreamCounts:
        used, dropped, duplicated = self.used, self.dropped, self.duplicated
        for uses in pending:  # frames still in the look-ahead buffer, counted as they stand now
            if uses:
                used += 1
                duplicated += uses - 1
            else:
                dropped += 1
        return StreamCounts(self.total, used, dropped, duplicated)


class TimestampSync:
    """Pairs two timestamped streams, leader ticks and nearest follower frames.

    ``pairs(visible, infrared)`` takes two iterables of ``(t, item)`` with
    non-decreasing ``t`` in seconds and yields :class:`SyncTick` values; read
    :attr:`report` during or after the run. An instance runs once.
    """

    def __init__(self, tolerance: float, leader: str = "visible"):
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0 seconds, got {tolerance!r}")
        if leader not in LEADERS:
            raise ValueError(f"leader must be one of {LEADERS}, got {leader!r}")
        self.tolerance = float(tolerance)
        self.leader = leader
        self._counts = {m: _Counter() for m in LEADERS}
        self._buffer: deque[list[Any]] = deque()  # follower frames: [Stamped, uses]
        self._ticks = 0
        self._paired = 0
        self._skew_sum = 0.0
        self._skew_max = 0.0
        self._started = False

    @property
    def follower(self) -> str:
        return "infrared" if self.leader == "visible" else "visible"

    @property
    def report(self) -> SyncReport:
        pending = [uses for _, uses in self._buffer]
        lead = self._counts[self.leader].snapshot()
        follow = self._counts[self.follower].snapshot(pending)
        vis, ir = (lead, follow) if self.leader == "visible" else (follow, lead)
        mean = self._skew_sum / self._paired if self._paired else None
        return SyncReport(self._ticks, self._paired, vis, ir, mean, self._skew_max if self._paired else None)

    def pairs(self, visible: Iterable[tuple[float, V]],
              infrared: Iterable[tuple[float, I]]) -> Iterator[SyncTick[V, I]]:
        if self._started:
            raise RuntimeError("a TimestampSync runs once; make a new one")
        self._started = True
        lead_src, follow_src = (visible, infrared) if self.leader == "visible" else (infrared, visible)
        lead_iter = _stamped(lead_src, self.leader, self._counts[self.leader])
        follow_iter = _stamped(follow_src, self.follower, self._counts[self.follower])
        follow_done = False
        buf = self._buffer
        follower_counts = self._counts[self.follower]
        for lead in lead_iter:
            self._counts[self.leader].settle(1)
            t = lead.t
            # Read the follower until one frame lies after t (the look-ahead), or it ends.
            while not follow_done and (not buf or buf[-1][0].t <= t):
                nxt = next(follow_iter, None)
                if nxt is None:
                    follow_done = True
                else:
                    buf.append([nxt, 0])
            # Frames before the last one at or before t can never be nearest again.
            while len(buf) >= 2 and buf[1][0].t <= t:
                follower_counts.settle(buf.popleft()[1])
            chosen = self._nearest(t)
            tick_index = self._ticks
            self._ticks += 1
            follow_frame = None
            if chosen is not None:
                chosen[1] += 1
                follow_frame = chosen[0]
                skew = abs(follow_frame.t - t)
                self._paired += 1
                self._skew_sum += skew
                self._skew_max = max(self._skew_max, skew)
            if self.leader == "visible":
                yield SyncTick(tick_index, lead, follow_frame)
            else:
                yield SyncTick(tick_index, follow_frame, lead)
        while buf:
            follower_counts.settle(buf.popleft()[1])

    def _nearest(self, t: float) -> list[Any] | None:
        best = None
        best_d = float("inf")
        for entry in list(self._buffer)[:2]:
            d = abs(entry[0].t - t)
            if d < best_d - EPS:  # strictly nearer; a tie keeps the earlier frame
                best, best_d = entry, d
        if best is None or best_d > self.tolerance + EPS:
            return None
        return best


def _stamped(source: Iterable[tuple[float, T]], name: str, counter: _Counter) -> Iterator[Stamped[T]]:
    previous = float("-inf")
    for index, (t, item) in enumerate(source):
        t = float(t)
        if t != t:  # NaN
            raise ValueError(f"{name} stream: frame {index}: timestamp is NaN")
        if t < previous:
            raise ValueError(f"{name} stream: frame {index}: timestamp {t:.6f} s goes back from {previous:.6f} s")
        previous = t
        counter.total += 1
        yield Stamped(index, t, item)


def sync_timestamps(t_visible: Iterable[float], t_infrared: Iterable[float], tolerance: float,
                    leader: str = "visible") -> tuple[list[tuple[int | None, int | None]], SyncReport]:
    """Run :class:`TimestampSync` on two timestamp lists.

    Returns one ``(visible_index, infrared_index)`` per tick (``None`` where
    that stream has no frame) and the final report.
    """
    sync = TimestampSync(tolerance, leader)
    out = [
        (tick.visible.index if tick.visible else None, tick.infrared.index if tick.infrared else None)
        for tick in sync.pairs(((t, None) for t in t_visible), ((t, None) for t in t_infrared))
    ]
    return out, sync.report


def default_tolerance(follower_fps: float | None, fallback: float = 0.05) -> float:
    """Half the follower's frame period, so every tick of continuous streams pairs."""
    if follower_fps and follower_fps > 0:
        return 0.5 / follower_fps
    return fallback


def choose_leader(fps_visible: float | None, fps_infrared: float | None, leader: str = "faster") -> str:
    """Resolve ``leader``: 'visible', 'infrared', or 'faster' (the higher frame rate; visible on a tie)."""
    if leader in LEADERS:
        return leader
    if leader != "faster":
        raise ValueError(f"leader must be 'faster', 'visible' or 'infrared', got {leader!r}")
    if fps_infrared and (not fps_visible or fps_infrared > fps_visible):
        return "infrared"
    return "visible"


def pair_by_index(n_visible: int, n_infrared: int, what_visible: str, what_infrared: str,
                  allow_length_mismatch: bool = False) -> tuple[int, list[str]]:
    """Number of index pairs for two streams of ``n_visible`` and ``n_infrared`` frames.

    Different counts raise :class:`InputError` naming both, unless
    ``allow_length_mismatch``: then the shorter count is used and a notice
    (returned, not a Python warning) says what was cut.
    """
    if n_visible == n_infrared:
        return n_visible, []
    counts = f"{what_visible} has {n_visible} frames but {what_infrared} has {n_infrared}"
    if not allow_length_mismatch:
        raise InputError(f"{counts} (pass allow_length_mismatch to use the first {min(n_visible, n_infrared)})")
    n = min(n_visible, n_infrared)
    return n, [f"{counts}; using the first {n} frames of each"]


def index_report(n_visible: int, n_infrared: int, n_pairs: int) -> SyncReport:
    """The :class:`SyncReport` of index pairing: the tail of the longer stream is dropped."""
    return SyncReport(
        ticks=n_pairs,
        paired=n_pairs,
        visible=StreamCounts(n_visible, n_pairs, n_visible - n_pairs, 0),
        infrared=StreamCounts(n_infrared, n_pairs, n_infrared - n_pairs, 0),
        skew_mean=0.0 if n_pairs else None,
        skew_max=0.0 if n_pairs else None,
    )
