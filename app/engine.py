"""The application's tracking session in plain Python: source, tracker, current frame (no Qt).

:class:`TrackingEngine` is driven by the worker thread (``app/worker.py``)
and by tests directly. Every call returns a :class:`~app.updates.FrameUpdate`
(or raises a :class:`core.errors.HeteroTrackError` for the user, or
:class:`~app.live.SourceEnded` at the end of a file). A failed open, mode or
weights change leaves the previous state untouched.
"""
from __future__ import annotations

import copy
import dataclasses
import time
from typing import Any, Callable

import cv2
import numpy as np

from app.crops import CropGeometry, search_crop, template_crop
from app.live import LatestFrameReader, SourceEnded
from app.sources import SourceSpec
from app.updates import BackendInfo, FrameUpdate, SourceInfo
from core.errors import InputError
from streams.frames import MODALITIES, FramePair
from streams.sources import PairSource
from tracker.annotate import VideoSink, side_by_side
from tracker.backends import MatcherBackend
from tracker.config import TrackerConfig
from tracker.mapping import ModalityMapping
from tracker.tracker import Tracker

BackendFactory = Callable[[str | None, bool], MatcherBackend]


def default_backend_factory(weights: str | None, classic: bool) -> MatcherBackend:
    """Trained weights (given, else the shipped ones) or the CFOG fallback: :func:`tracker.factory.build_backend`."""
    from tracker.factory import build_backend

    return build_backend(weights, classic=classic)


class TrackingEngine:
    """One source, one tracker, one current frame; see the module docstring."""

    def __init__(self, backend_factory: BackendFactory = default_backend_factory, config: TrackerConfig | None = None,
                 capture_factory: Callable[..., Any] = cv2.VideoCapture,
                 demo_opener: Callable[[], PairSource] | None = None,
                 want: tuple[str, ...] = ("attention", "features"), live_timeout: float = 5.0):
        self.backend_factory = backend_factory
        self.config = config or TrackerConfig()
        self.capture_factory = capture_factory
        self.demo_opener = demo_opener
        self.want = tuple(want)
        self.live_timeout = live_timeout
        self.weights: str | None = None
        self.classic = False
        self.backend: MatcherBackend | None = None
        self.source: PairSource | None = None
        self.info: SourceInfo | None = None
        self.mapping = ModalityMapping()
        self.tracker: Tracker | None = None
        self.pair: FramePair | None = None
        self.index = -1
        self.selection_modality = "visible"
        self._iterator = None
        self._reader: LatestFrameReader | None = None
        self._template_crops: dict[str, np.ndarray] = {}
        self._template_sources: dict[str, str] = {}
        self._video: VideoSink | None = None

    # ------------------------------------------------------------- sources
    @property
    def indexed(self) -> bool:
        return self.info is not None and self.info.indexed

    def open(self, spec: SourceSpec) -> tuple[SourceInfo, FrameUpdate]:
        """Open ``spec`` and show its first frame (the ground truth's first frame when it has one)."""
        source = spec.open(capture_factory=self.capture_factory, demo_opener=self.demo_opener)
        iterator = reader = None
        try:
            indexed = hasattr(source, "frame") and source.length is not None
            init_index = getattr(source, "init_index", None) if indexed else None
            init_box = getattr(source, "init_box", None) if init_index is not None else None
            if indexed:
                pair = source.frame(int(init_index or 0))
            elif source.live:
                reader = LatestFrameReader(source, source.name)
                pair = reader.take(self.live_timeout)
            else:
                iterator = iter(source)
                pair = next(iterator, None)
                if pair is None:
                    raise InputError(f"{source.name}: the source holds no frames")
        except BaseException:
            if reader is not None:
                reader.close()
            source.close()
            raise
        self.close_source()
        self.source, self._iterator, self._reader = source, iterator, reader
        calibration = getattr(source, "calibration", None)
        self.mapping = ModalityMapping(None if calibration is None else calibration.ir_to_visible)
        self.mapping.fit_sizes(*(None if pair.get(m) is None else pair.get(m).shape[1::-1] for m in MODALITIES))
        self.tracker = None
        self._template_crops, self._template_sources = {}, {}
        gt = getattr(source, "groundtruth_visible", None)
        self.info = SourceInfo(
            name=source.name or spec.label(), spec=spec, layout=getattr(source, "layout", "") or spec.kind,
            length=source.length, fps=float(source.fps or 30.0), live=bool(source.live), indexed=indexed,
            has_groundtruth=gt is not None, mapping=copy.deepcopy(self.mapping),
            notices=tuple(getattr(source, "notices", ()) or ()),
            progress=(lambda: source.progress) if hasattr(source, "progress") else None,
            init_index=None if init_box is None else int(init_index),
            init_box=None if init_box is None else np.asarray(init_box, np.float64).copy())
        return self.info, self._show("preview", pair)

    def close_source(self) -> None:
        """Release the current source (files, cameras, the demo generator)."""
        if self._reader is not None:
            self._reader.close()
        if self._iterator is not None and hasattr(self._iterator, "close"):
            self._iterator.close()
        if self.source is not None:
            self.source.close()
        self.source, self._iterator, self._reader, self.info = None, None, None, None
        self.pair, self.index, self.tracker = None, -1, None

    def _read_next(self, skip: int) -> FramePair:
        if self.source is None:
            raise InputError("no source is open: use File > Open")
        if self.indexed:
            length = self.info.length
            nxt = self.index + 1 + max(skip, 0)
            if self.index + 1 >= length:
                raise SourceEnded(f"{self.source.name}: end of the sequence (frame {self.index + 1} of {length})")
            return self.source.frame(min(nxt, length - 1))
        if self._reader is not None:
            return self._reader.take(self.live_timeout)
        pair = None
        for _ in range(max(skip, 0) + 1):
            pair = next(self._iterator, None)
            if pair is None:
                raise SourceEnded(f"{self.source.name}: end of the streams after frame {self.index}")
        return pair

    def _groundtruth(self, index: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        out = []
        for m in MODALITIES:
            gt = None if self.source is None else getattr(self.source, f"groundtruth_{m}", None)
            out.append(gt[index].copy() if gt is not None and 0 <= index < len(gt) else None)
        return out[0], out[1]

    def _show(self, kind: str, pair: FramePair, **fields: Any) -> FrameUpdate:
        self.pair, self.index = pair, pair.index
        gv, gi = self._groundtruth(pair.index)
        dropped = 0
        if self._reader is not None:
            dropped = self._reader.dropped + sum(getattr(self.source, "stale_dropped", {}).values())
        update = FrameUpdate(kind=kind, index=pair.index, pair=pair, total=self.info.length if self.info else None,
                             gt_visible=gv, gt_infrared=gi, dropped=dropped, wall_time=time.monotonic(),
                             template_crops=dict(self._template_crops),
                             template_sources=dict(self._template_sources), **fields)
        if self._video is not None and kind in ("init", "track"):
            self._record(update)
        return update

    # ------------------------------------------------------------ tracking
    def _get_backend(self) -> MatcherBackend:
        if self.backend is None:
            self.backend = self.backend_factory(self.weights, self.classic)
        return self.backend

    def backend_info(self) -> BackendInfo:
        backend = self._get_backend()
        name = getattr(backend, "name", type(backend).__name__)
        return BackendInfo(name, bool(getattr(backend, "has_attention", False)),
                           self.weights, self.config.mode, self.config.scale_factors,
                           float(self.config.total_stride), int(self.config.instance_size))

    def select(self, box: Any, modality: str = "visible") -> FrameUpdate:
        """Start tracking the ``box`` (xywh in ``modality`` coordinates) on the current frame."""
        if self.pair is None:
            raise InputError("select target: no frame is shown yet")
        if modality not in MODALITIES:
            raise InputError(f"select target: unknown modality '{modality}'")
        if self.pair.get(modality) is None:
            raise InputError(f"frame {self.pair.index}: there is no {modality} image to select the target on")
        tracker = Tracker(self._get_backend(), self.config, self.mapping)
        tracker.init(self.pair, box, modality)
        self.tracker, self.selection_modality = tracker, modality
        geometry = CropGeometry.of(tracker.state)
        self._template_crops = {m: template_crop(self.pair.get(m), m, geometry, self.config, self.mapping)
                                for m in MODALITIES if self.pair.get(m) is not None}
        self._template_sources = {m: src for m, (_, src) in tracker.state.templates.items()}
        ref = tracker.state.box
        return self._show("init", self.pair, box=ref, box_infrared=self.mapping.box_to("infrared", ref),
                          alignment=getattr(tracker, "alignment", None))

    @property
    def tracking(self) -> bool:
        return self.tracker is not None and self.tracker.state is not None

    def advance(self, skip: int = 0) -> FrameUpdate:
        """Read the next frame (``skip`` more for real-time playback) and track it if a target is selected."""
        pair = self._read_next(skip)
        if not self.tracking:
            return self._show("preview", pair)
        geometry = CropGeometry.of(self.tracker.state)
        t0 = time.perf_counter()
        result = self.tracker.update(pair, want=self.want)
        ms = 1e3 * (time.perf_counter() - t0)
        crops = {}
        if result.best_scale >= 0:
            crops = {m: search_crop(pair.get(m), m, geometry, self.config, self.mapping, result.best_scale)
                     for m in result.modalities if pair.get(m) is not None}
        return self._show("track", pair, result=result, box=np.asarray(result.box, np.float64),
                          box_infrared=np.asarray(result.box_infrared, np.float64), search_crops=crops, tracker_ms=ms)

    def seek(self, index: int) -> FrameUpdate:
        """Show frame ``index`` without tracking it (indexed sources only); playing continues from there."""
        if self.source is None:
            raise InputError("no source is open: use File > Open")
        if not self.indexed:
            raise InputError(f"{self.source.name}: seeking needs a sequence or two image folders "
                             "(videos and cameras play forward only)")
        index = int(np.clip(index, 0, self.info.length - 1))
        return self._show("seek", self.source.frame(index))

    def _reinit(self) -> FrameUpdate | None:
        if not self.tracking or self.pair is None:
            return None
        box = self.tracker.state.box
        modality = self.selection_modality
        if self.pair.get(modality) is None:
            modality = "visible" if modality == "infrared" else "infrared"
        return self.select(self.mapping.box_to(modality, box), modality)

    def set_mode(self, mode: str) -> FrameUpdate | None:
        """Switch visible/infrared/cross/fused; a running target is re-initialised on the current frame."""
        config = dataclasses.replace(self.config, mode=mode)
        old, self.config = self.config, config
        try:
            return self._reinit()
        except Exception:
            self.config = old
            raise

    def set_weights(self, weights: str | None, classic: bool = False) -> tuple[BackendInfo, FrameUpdate | None]:
        """Load a matcher (``None``: the default); on failure the current one stays."""
        backend = self.backend_factory(weights, classic)
        old = (self.backend, self.weights, self.classic)
        self.backend, self.weights, self.classic = backend, weights, classic
        try:
            update = self._reinit()
        except Exception:
            self.backend, self.weights, self.classic = old
            raise
        return self.backend_info(), update

    # ------------------------------------------------------------- export
    def start_video(self, path: str, fps: float | None = None) -> None:
        """Write every later init/tracked frame as an annotated side-by-side frame to ``path`` (mp4)."""
        self.stop_video()
        self._video = VideoSink(path, fps or (self.info.fps if self.info else 30.0))

    def stop_video(self) -> int:
        """Close the video; returns the number of frames written."""
        if self._video is None:
            return 0
        frames = self._video.frames
        self._video.close()
        self._video = None
        return frames

    @property
    def recording(self) -> bool:
        return self._video is not None

    def _record(self, update: FrameUpdate) -> None:
        conf = "" if update.result is None else f"conf {update.result.confidence:.2f}"
        label = f"{getattr(self.backend, 'name', '')} | {self.config.mode} {conf}".strip()
        image = side_by_side(update.pair, update.box, update.box_infrared, update.state if update.kind == "track"
                             else "tracking", gt_visible=update.gt_visible, gt_infrared=update.gt_infrared,
                             label=label)
        self._video.write(image)

    def shutdown(self) -> None:
        self.stop_video()
        self.close_source()
