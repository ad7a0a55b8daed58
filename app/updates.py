"""The messages the tracking worker sends to the window (plain frozen dataclasses, no Qt)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from streams.frames import FramePair
from tracker.mapping import ModalityMapping
from tracker.result import TrackResult

NO_BOX = np.full(4, np.nan)


@dataclass(frozen=True, eq=False)
class SourceInfo:
    """What the window needs to know about an opened source.

    ``length`` is ``None`` for live or unsized sources; ``indexed`` says
    whether :meth:`seek` works; ``progress`` (demo generation) returns
    ``(done, total)`` and is safe to call from any thread.
    """

    name: str
    spec: object
    layout: str
    length: int | None
    fps: float
    live: bool
    indexed: bool
    has_groundtruth: bool
    mapping: ModalityMapping
    notices: tuple[str, ...] = ()
    progress: Callable[[], tuple[int, int]] | None = None
    init_index: int | None = None
    init_box: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class BackendInfo:
    name: str
    has_attention: bool
    weights: str | None
    mode: str
    scale_factors: tuple[float, ...]
    stride: float = 8.0
    instance_size: int = 255


@dataclass(frozen=True, eq=False)
class FrameUpdate:
    """One processed (or just shown) frame.

    ``kind``: ``preview`` (no target yet), ``seek`` (a frame shown without
    tracking), ``init`` (the target was selected on this frame) or
    ``track`` (``result`` holds the tracker's output). Boxes are xywh,
    NaN when there is none. ``search_crops``/``template_crops`` are the
    crops the tracker used (chosen scale), per searched modality.
    """

    kind: str
    index: int
    pair: FramePair
    total: int | None = None
    result: TrackResult | None = None
    box: np.ndarray = field(default_factory=lambda: NO_BOX.copy())
    box_infrared: np.ndarray = field(default_factory=lambda: NO_BOX.copy())
    gt_visible: np.ndarray | None = None
    gt_infrared: np.ndarray | None = None
    search_crops: dict[str, np.ndarray] = field(default_factory=dict)
    template_crops: dict[str, np.ndarray] = field(default_factory=dict)
    template_sources: dict[str, str] = field(default_factory=dict)
    tracker_ms: float | None = None
    alignment: dict | None = None  # init only: the IR offset the tracker found (Tracker.alignment), if any
    dropped: int = 0
    wall_time: float = 0.0

    @property
    def state(self) -> str:
        """The tracker state, or the kind when no tracking happened on this frame."""
        return self.result.state if self.result is not None else self.kind

    @property
    def skew(self) -> float | None:
        """``|t_visible - t_infrared|`` in seconds, when both frames have a timestamp."""
        tv, ti = self.pair.t_visible, self.pair.t_infrared
        return None if tv is None or ti is None else abs(tv - ti)
