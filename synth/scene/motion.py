"""Trajectories: piecewise-linear paths along the street, and the target's planner.

Positions are canvas x (pixels at zoom 1, unwrapped) at a depth ``z`` in
metres. The planner works in view-relative coordinates ``u`` (the target's
offset from the camera's base position), so the same plan serves a fixed
camera (people) and a camera that follows a car.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Path:
    """Keyframes ``(t, x, z)``; linear in between, constant outside."""

    t: np.ndarray
    x: np.ndarray
    z: np.ndarray
    metres: np.ndarray  # distance walked/driven up to each keyframe

    @classmethod
    def from_keys(cls, t, x, z, ppm) -> "Path":
        t, x, z = (np.asarray(v, np.float64) for v in (t, x, z))
        zm = (z[1:] + z[:-1]) / 2 if len(z) > 1 else z
        step = np.abs(np.diff(x)) / ppm(zm) + np.abs(np.diff(z)) if len(x) > 1 else np.zeros(0)
        return cls(t, x, z, np.concatenate([[0.0], np.cumsum(step)]))

    @classmethod
    def straight(cls, x0: float, z: float, velocity: float, t_end: float, ppm, t0: float = 0.0) -> "Path":
        """Constant velocity (px/s) from ``x0`` at time ``t0`` (and before, back to -1 s)."""
        ts = np.array([min(t0, 0.0) - 1.0, t_end + 1.0])
        xs = x0 + velocity * (ts - t0)
        return cls.from_keys(ts, xs, [z, z], ppm)

    def x_at(self, time: float) -> float:
        return float(np.interp(time, self.t, self.x))

    def z_at(self, time: float) -> float:
        return float(np.interp(time, self.t, self.z))

    def metres_at(self, time: float) -> float:
        return float(np.interp(time, self.t, self.metres))

    def velocity(self, time: float) -> float:
        """Velocity in px/s of the segment containing ``time`` (0 outside the keyframes)."""
        if len(self.t) < 2 or time < self.t[0] or time > self.t[-1]:
            return 0.0
        i = int(np.clip(np.searchsorted(self.t, time, side="right") - 1, 0, len(self.t) - 2))
        dt = self.t[i + 1] - self.t[i]
        return float((self.x[i + 1] - self.x[i]) / dt) if dt > 0 else 0.0


def bounce(t0: float, t1: float, u0: float, direction: int, speed: float, lo: float, hi: float
           ) -> tuple[list[tuple[float, float]], int]:
    """Walk from ``u0`` at ``speed``, turning around at ``lo``/``hi``; keyframes after t0 and the final direction."""
    keys: list[tuple[float, float]] = []
    t, u, d = t0, u0, direction
    for _ in range(10000):
        if t >= t1 - 1e-9:
            break
        goal = hi if d > 0 else lo
        dt = max(0.0, (goal - u) * d) / speed
        if t + dt >= t1:
            keys.append((t1, u + d * speed * (t1 - t)))
            break
        t, u = t + dt, goal
        keys.append((t, u))
        d = -d
    return keys, d


@dataclass(frozen=True)
class PlanLimits:
    """Where the target's centre may be, relative to the camera base: inside ``[lo, hi]``; out of view past
    ``exit_left``/``exit_right`` (during the out-of-view window)."""

    lo: float
    hi: float
    exit_left: float
    exit_right: float


def with_pause(keys: list[tuple[float, float]], at: float, pause: float) -> list[tuple[float, float]]:
    """Insert a stop of ``pause`` seconds at time ``at`` into keyframes ``(t, u)``; later keys shift."""
    t = np.array([k[0] for k in keys])
    u = np.array([k[1] for k in keys])
    u_at = float(np.interp(at, t, u))
    before = [k for k in keys if k[0] < at]
    after = [(k[0] + pause, k[1]) for k in keys if k[0] > at]
    return before + [(at, u_at), (at + pause, u_at)] + after


def plan_target(duration: float, speed: float, limits: PlanLimits, rng: np.random.Generator,
                out_of_view: tuple[float, float] | None = None,
                busy: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Keyframes ``(t, u)`` of the target relative to the camera base.

    Without an out-of-view window the target walks across the view from
    near one edge, stopping for a while (never during ``busy``) when the
    walk would otherwise be longer than the view, and turning round at the
    limits only if it still is. With a window, it walks out past the nearer
    edge by ``ta``, stays out of view until ``tb``, then comes back in.
    Raises ValueError when the target cannot be inside the view at the start.
    """
    lo, hi = limits.lo, limits.hi
    if out_of_view is None:
        direction = 1 if rng.random() < 0.5 else -1
        start = lo + (hi - lo) * (rng.uniform(0.03, 0.2) if direction > 0 else rng.uniform(0.8, 0.97))
        pause = float(np.clip(duration - 0.8 * (hi - lo) / speed, 0.0, 0.45 * duration))
        if busy is not None:  # the stop must fit before or after the busy window
            pause = min(pause, max(busy[0] - 0.1 * duration, 0.9 * duration - busy[1], 0.0))
        walking = duration - pause if pause >= 0.5 else duration
        keys, _ = bounce(0.0, walking, start, direction, speed, lo, hi)
        pts = [(0.0, start)] + keys
        if walking < duration:
            at = _pause_time(rng, duration, pause, busy)
            pts = with_pause(pts, at, pause)
    else:
        ta, tb = out_of_view
        side = 1 if rng.random() < 0.5 else -1
        exit_u = limits.exit_right if side > 0 else limits.exit_left
        back, _ = bounce(0.0, ta, exit_u, -side, speed, lo, hi)  # time runs backwards from ta here
        start = back[-1][1] if back else exit_u
        if not lo - 1e-6 <= start <= hi + 1e-6:
            raise ValueError("the target cannot start inside the view and be out of it so early")
        before = [(ta - tau, u) for tau, u in reversed(back)] + [(ta, exit_u)]
        after, _ = bounce(tb, duration, exit_u, -side, speed, lo, hi)
        pts = before + [(tb, exit_u)] + after
    t = np.array([p[0] for p in pts])
    u = np.array([p[1] for p in pts])
    keep = np.concatenate([[True], np.diff(t) > 1e-9])
    return t[keep], u[keep]


def _pause_time(rng: np.random.Generator, duration: float, pause: float,
                busy: tuple[float, float] | None) -> float:
    """When the target stops: somewhere in the middle, so that the stop does not overlap ``busy``."""
    latest = max(0.0, duration - pause - 0.1 * duration)
    candidates = np.linspace(0.1 * duration, latest, 25) if latest > 0.1 * duration else np.array([0.0])
    if busy is not None:
        ok = [c for c in candidates if c + pause <= busy[0] + 1e-9 or c >= busy[1] - 1e-9]
        candidates = np.asarray(ok) if ok else candidates
    return float(candidates[int(rng.integers(len(candidates)))])
