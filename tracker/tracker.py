"""The stateful SiamFC-style visible/IR tracker.

``Tracker.init`` freezes one template per modality; ``Tracker.update`` crops a
scale pyramid around the last position in every usable modality, runs the
matcher once per modality with the pyramid as one batch, fuses the score maps
by reliability, upsamples, applies the cosine-window penalty and a damped
scale update, refines the size from the box head, and watches confidence to
declare the target lost and re-detect it.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from core.errors import ConfigError, InputError
from core.geometry import context_size, crop_resize, iou, validate_box
from streams.frames import MODALITIES, FramePair
from tracker.backends import MatcherBackend, Response
from tracker.camera_motion import CameraMotion
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.extent import measure_extent
from tracker.foreground import template_weights
from tracker.health import HealthMonitor
from tracker.mapping import ModalityMapping
from tracker.motion import VelocityModel
from tracker import response as R
from tracker.refine import refine_point
from tracker.result import TrackResult
from tracker.silhouette import SILHOUETTE_LOGITS, silhouette_ncc, silhouette_template


_POOL: ThreadPoolExecutor | None = None
_WORKER = "heterotrack-modality"


def _pool() -> ThreadPoolExecutor:
    """One worker thread shared by every tracker of the process (the second modality's search)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_WORKER)
    return _POOL


def _tiles(region: tuple[float, float, float, float], side: float) -> list[tuple[float, float]]:
    """Centres of search crops of ``side`` covering ``region`` (x0, y0, x1, y1), a quarter side overlapping."""
    x0, y0, x1, y1 = region
    step = 0.75 * side

    def along(lo: float, hi: float) -> np.ndarray:
        if hi - lo <= side:
            return np.array([(lo + hi) / 2])
        return np.linspace(lo + side / 2, hi - side / 2, int(np.ceil((hi - lo - side) / step)) + 1)

    return [(float(x), float(y)) for y in along(y0, y1) for x in along(x0, x1)]


def _other(modality: str) -> str:
    return "infrared" if modality == "visible" else "visible"


@dataclass
class TrackState:
    """Everything that changes from frame to frame (reference = visible coordinates)."""

    center: np.ndarray
    size: np.ndarray
    init_size: np.ndarray
    image_size: tuple[int, int]
    # search modality -> (frozen template features, the modality the template came from)
    templates: dict[str, tuple[Any, str]] = field(default_factory=dict)
    # Banded twins of heterologous templates whose maps are mixed into theirs (``heterologous_blend`` < 1).
    banded: dict[str, Any] = field(default_factory=dict)
    # search modality -> the init target's silhouette, where it passed its check (``heterologous_silhouette``).
    silhouette: dict[str, Any] = field(default_factory=dict)
    # search modality -> the bare box template on the second matcher, whose maps are mixed in
    # (``heterologous_second``).
    second: dict[str, Any] = field(default_factory=dict)
    # Search modalities whose image measures the target's extent (``box_extent``, its init-frame check passed).
    extent: set[str] = field(default_factory=set)
    lost: bool = False
    weak_frames: int = 0
    growth: float = 1.0
    frames_lost: int = 0
    frame: int = 0
    scan_cursor: int = 0
    verify_cursor: int = 0
    motion: VelocityModel = field(default_factory=VelocityModel)
    # Confidences of the latest tracking (not weak) frames, for ``relative_weak`` and ``relative_reacquire``
    # (``init`` sizes it to the config's ``relative_window``).
    recent: deque = field(default_factory=lambda: deque(maxlen=TrackerConfig.relative_window))
    # What a heterologous template scored on the init frame at the known position (``reference_weak``);
    # None when every template is homologous.
    reference: float | None = None

    @property
    def box(self) -> np.ndarray:
        return np.array([*(self.center - self.size / 2), *self.size])


class Tracker:
    """``init(frames, box, modality)`` then ``update(frames) -> TrackResult`` per frame."""

    def __init__(self, backend: MatcherBackend, config: TrackerConfig | None = None,
                 mapping: ModalityMapping | None = None, second: MatcherBackend | None = None):
        """``second``: the matcher whose opinion is mixed into heterologous searches (``heterologous_second``);
        by default the CFOG matcher beside a backend built on it (the learned descriptor, which scores the
        same grid), and none beside CFOG itself or any other backend."""
        self.backend = backend
        self.config = config or TrackerConfig()
        if (second is None and self.config.heterologous_second > 0 and isinstance(backend, CfogBackend)
                and type(backend) is not CfogBackend):
            second = CfogBackend()
        self.second = second
        self.mapping = mapping or ModalityMapping()
        self.state: TrackState | None = None
        self._health = HealthMonitor(self.config.blank_std, self.config.saturated_fraction, self.config.frozen_mad)
        self._windows: dict[tuple[int, int], np.ndarray] = {}
        self._camera: dict[str, CameraMotion] = {}
        #: The camera motion applied on the latest frame (``camera_motion``): modality, zoom, shift, inliers.
        self.camera: dict[str, Any] | None = None
        #: The IR offset that ``init`` estimated (``auto_align``), or None when it kept the mapping.
        self.alignment: dict[str, float] | None = None

    # ------------------------------------------------------------------ init
    def init(self, frames: FramePair, box: Any, modality: str = "visible") -> None:
        """Freeze the templates from ``frames``, with ``box`` (xywh) given in ``modality`` coordinates."""
        cfg = self.config
        if modality not in MODALITIES:
            raise InputError(f"init modality: '{modality}' is not one of {', '.join(MODALITIES)}")
        image = frames.get(modality)
        if image is None:
            raise InputError(f"frame {frames.index}: no {modality} image to take the initial box from")
        box = np.array(validate_box(box, f"frame {frames.index} initial box", (image.shape[1], image.shape[0])))
        self.mapping.fit_sizes(*(None if frames.get(m) is None else frames.get(m).shape[1::-1] for m in MODALITIES))
        ref = self.mapping.box_from(modality, box)
        ref_image = frames.visible if frames.visible is not None else frames.infrared
        ref_size = (ref_image.shape[1], ref_image.shape[0]) if frames.visible is not None else (
            self._reference_size(frames))
        self._health.reset()
        self.alignment = None
        state = TrackState(center=ref[:2] + ref[2:] / 2, size=ref[2:].copy(), init_size=ref[2:].copy(),
                           image_size=ref_size,
                           motion=VelocityModel(cfg.velocity_lr, cfg.velocity_decay, cfg.velocity_max_step,
                                                cfg.velocity_max_innovation),
                           recent=deque(maxlen=cfg.relative_window))
        encoded = {}
        for m in MODALITIES:
            img = frames.get(m)
            if img is not None and self._health.check(m, img).usable:
                encoded[m] = self._encode(*self._exemplar(img, m, state), m, cfg.homologous_mask)
        if modality not in encoded:
            raise InputError(f"frame {frames.index}: the {modality} image is blank or saturated; "
                             f"select the target on a frame where it is visible")
        other = _other(modality)
        if (cfg.auto_align and cfg.mode in ("cross", "fused") and other in encoded
                and not self.mapping.explicit and self._align(frames, state, encoded[modality], modality)):
            encoded[other] = self._encode(*self._exemplar(frames.get(other), other, state), other,
                                          cfg.homologous_mask)
        banded = None
        heterologous = cfg.mode == "cross" or (cfg.mode == "fused" and any(m not in encoded for m in MODALITIES))
        # the init modality's exemplar as it is now (an IR init box moves with the alignment above)
        exemplar = self._exemplar(frames.get(modality), modality, state) if heterologous else None
        if cfg.heterologous_context > 0 and heterologous:
            # the init template again, with its band, for the other modality to be searched with
            crop, target = exemplar
            pad = cfg.heterologous_context * (target[0] + target[1]) / 2
            banded = self.backend.encode(crop, modality, target=(target[0] + 2 * pad, target[1] + 2 * pad))
        alone = banded is not None and cfg.heterologous_blend >= 1.0
        grown = {modality: banded} if alone else dict(encoded)
        if heterologous and not alone and cfg.heterologous_mask != cfg.homologous_mask:
            # the bare box template searched in the other modality, its pixels weighed by how much likelier
            # their colour is in the box than around it (tracker/foreground.py); at equal strengths the
            # homologous template above is already that
            grown[modality] = self._encode(*exemplar, modality, cfg.heterologous_mask)
        if cfg.mode in ("visible", "infrared"):
            if cfg.mode not in encoded:
                raise InputError(f"frame {frames.index}: mode '{cfg.mode}' needs a usable {cfg.mode} image")
            state.templates = {cfg.mode: (encoded[cfg.mode], cfg.mode)}
        elif cfg.mode == "cross":
            state.templates = {_other(modality): (grown[modality], modality)}
        else:  # fused: own template where possible, the other modality's (heterologous) otherwise
            state.templates = {m: (encoded[m], m) if m in encoded else (grown[modality], modality)
                               for m in MODALITIES}
        if banded is not None and not alone:
            state.banded = {m: banded for m, (_, source) in state.templates.items() if source != m}
        if heterologous and cfg.heterologous_second > 0 and self.second is not None:
            # the bare box template again, colour-weighted alike, on the second matcher
            template = self._encode(*exemplar, modality, cfg.heterologous_mask, backend=self.second)
            state.second = {m: template for m, (_, source) in state.templates.items() if source != m}
        if heterologous and cfg.heterologous_silhouette > 0:
            state.silhouette = self._silhouettes(frames, state, exemplar, usable=set(encoded))
        state.reference = self._reference_confidence(frames, state, usable=set(encoded))
        state.extent = self._extent_check(frames, state, usable=set(encoded))
        self.state = state
        self._camera, self.camera = {}, None
        if cfg.camera_motion == "all" or (cfg.camera_motion == "heterologous" and heterologous):
            for m in state.templates:
                self._camera[m] = CameraMotion(min_inliers=cfg.camera_motion_min_inliers)
                if m in encoded:
                    self._camera[m].observe(frames.get(m))

    def _encode(self, crop: np.ndarray, target: tuple[float, float], modality: str, mask: float,
                backend: MatcherBackend | None = None) -> Any:
        """The template of an exemplar crop on ``backend`` (the tracker's by default), its pixels
        colour-weighted at strength ``mask`` (``heterologous_mask`` / ``homologous_mask``) where the backend
        takes weights."""
        backend = backend or self.backend
        weights = None
        if mask > 0 and getattr(backend, "accepts_weights", False):
            weights = template_weights(crop, target, mask, self.config.heterologous_mask_separation)
        if weights is None:
            return backend.encode(crop, modality, target=target)
        return backend.encode(crop, modality, target=target, weights=weights)

    def _silhouettes(self, frames: FramePair, state: TrackState, exemplar, usable: set[str]) -> dict[str, Any]:
        """The init target's silhouette (:mod:`tracker.silhouette`) for each modality searched with a
        heterologous template, where on the init frame it scores at least ``heterologous_silhouette_min`` at
        the known position and its best match in the search crop is within a grid step of it."""
        cfg = self.config
        template = silhouette_template(*exemplar)
        if template is None or template.separation < cfg.heterologous_silhouette_separation:
            return {}
        side = self._search_side(state)
        out = {}
        for m, (_, source) in state.templates.items():
            image = frames.get(m)
            if source == m or m not in usable:
                continue
            crops = self._search_crops(image, m, tuple(state.center), [side])
            r = self.backend.match(state.templates[m][0], crops, m)  # for the backend's grid
            n = r.score.shape[-1]
            ncc = silhouette_ncc(template, crops, r.origin, r.stride, n)[0]
            offsets = self._cell_offsets(r, n)
            near = np.abs(offsets) <= r.stride
            at = float(ncc[np.ix_(near, near)].max())
            i, j = np.unravel_index(int(np.argmax(ncc)), ncc.shape)
            if at >= cfg.heterologous_silhouette_min and abs(offsets[i]) <= r.stride and abs(offsets[j]) <= r.stride:
                out[m] = template
        return out

    def _reference_confidence(self, frames: FramePair, state: TrackState, usable: set[str]) -> float | None:
        """The lowest confidence a heterologous template (one searched for in the other modality) scores on
        the init frame, at the box it was cut from: the best match that template can be expected to give.

        A homologous template finds itself there at a confidence near 1, so only heterologous ones are
        measured; None when there are none (or their search image is unusable)."""
        side = self._search_side(state)
        found = []
        for m, (template, source) in state.templates.items():
            image = frames.get(m)
            if source == m or m not in usable:  # (the health monitor has seen this frame: ask it again and
                continue                        # it calls the frame frozen)
            crops = self._search_crops(image, m, tuple(state.center), [side])
            r = self._blend(state, m, crops, self.backend.match(template, crops, m))
            probs = R.sigmoid(r.score[0])
            # the cells within one stride of the centre: the known position, give or take the grid
            rows = np.abs(self._cell_offsets(r, probs.shape[0])) <= r.stride
            cols = np.abs(self._cell_offsets(r, probs.shape[1])) <= r.stride
            found.append(float(probs[np.ix_(rows, cols)].max()))
        return min(found) if found else None

    def _extent_check(self, frames: FramePair, state: TrackState, usable: set[str]) -> set[str]:
        """The search modalities whose init-frame image, measured at the known box (:mod:`tracker.extent`), gives
        a box overlapping it by ``extent_check`` at least (``box_extent``); none for a target less upright than
        ``extent_aspect``, or in a modality unusable at init."""
        cfg, found = self.config, set()
        if state.init_size[1] < cfg.extent_aspect * state.init_size[0]:
            return found
        for m, (_, source) in state.templates.items():
            if cfg.box_extent == "off" or (cfg.box_extent == "heterologous" and source == m) or m not in usable:
                continue
            known = self.mapping.box_to(m, state.box)
            measured = measure_extent(frames.get(m), known)
            if measured is not None and float(iou(measured, known)[0]) >= cfg.extent_check:
                found.add(m)
        return found

    def _extent(self, frames: FramePair, weights: dict[str, float]) -> np.ndarray:
        """The box to report: the state's, its left and right edges moved to the target's pixels in the most
        trusted searched image that measures them (``box_extent``, :mod:`tracker.extent`)."""
        st = self.state
        for m in sorted((m for m in st.extent if m in weights), key=lambda m: -weights[m]):
            searched = self.mapping.box_to(m, st.box)
            measured = measure_extent(frames.get(m), searched)
            if measured is not None:
                # only the two edges come back, at the box's middle row: a box mapped through a homography and
                # back would come back grown around its rotated corners
                row = searched[1] + searched[3] / 2
                left = self.mapping.point_from(m, (float(measured[0]), row))[0]
                right = self.mapping.point_from(m, (float(measured[0] + measured[2]), row))[0]
                box = st.box.copy()
                box[0], box[2] = min(left, right), abs(right - left)
                return box
        return st.box

    def _align(self, frames: FramePair, state: TrackState, template: Any, modality: str) -> bool:
        """Correct the mapping of unaligned streams by the target's offset between them; return whether it did.

        Streams without calibration are taken as aligned, and a misregistered pair then cuts the other
        modality's template off the target. The init template is searched for in the other stream around
        the box; a confident match more than ``align_min_shift`` of the target's size away is accepted
        only if it is cycle-consistent: the other stream's template cut there must, searched for in the
        init stream, land within ``align_cycle_tolerance`` of the target's size of the initial box.
        """
        cfg = self.config
        other = _other(modality)
        size = float(np.mean(state.size))
        found = self._find(frames.get(other), other, template, state.center, state)
        if found is None or np.hypot(*found[0]) < cfg.align_min_shift * size:
            return False
        disp, confidence = found  # reference px
        crop, target = self._exemplar(frames.get(other), other, state, center=state.center + disp)
        back = self._find(frames.get(modality), modality, self.backend.encode(crop, other, target=target),
                          state.center, state)
        if back is None or np.hypot(*back[0]) > cfg.align_cycle_tolerance * size:
            return False
        # The target's IR position moves by ``delta`` (IR px) against what the mapping says.
        delta = np.subtract(self.mapping.point_to("infrared", tuple(state.center + disp)),
                            self.mapping.point_to("infrared", tuple(state.center)))
        if other == "infrared":
            offset = delta
        else:  # the target is really at centre + disp in the (reference) visible image
            offset = -delta
            state.center = state.center + disp
        self.mapping.shift_infrared((float(offset[0]), float(offset[1])))
        self.alignment = {"dx": float(offset[0]), "dy": float(offset[1]), "confidence": confidence}
        return True

    def _find(self, image: np.ndarray, modality: str, template: Any, center: np.ndarray,
              state: TrackState) -> tuple[np.ndarray, float] | None:
        """One search crop (no window) for ``template`` in ``image`` around ``center``: the peak's displacement
        in reference px and its probability, or None below ``align_min_confidence``."""
        cfg = self.config
        side = self._search_side(state)
        r = self.backend.match(template, self._search_crops(image, modality, tuple(center), [side]), modality)
        probs = R.sigmoid(r.score)
        if float(probs.max()) < cfg.align_min_confidence:
            return None
        _, _, (row, col) = self._locate(probs, lost=True)  # no window: it would pull the cycle check shut
        cells = np.array([R.upsampled_to_cell(col, cfg.response_up), R.upsampled_to_cell(row, cfg.response_up)])
        disp = self._refined({modality: r}, {modality: 1.0}, 0, r.origin + r.stride * cells) - cfg.instance_size / 2
        return disp * side / cfg.instance_size, float(probs.max())

    def _reference_size(self, frames: FramePair) -> tuple[int, int]:
        ir = frames.infrared
        corner = self.mapping.point_from("infrared", (ir.shape[1], ir.shape[0]))
        return int(round(corner[0])), int(round(corner[1]))

    def _exemplar(self, image: np.ndarray, modality: str, state: TrackState,
                  center: np.ndarray | None = None) -> tuple[np.ndarray, tuple[float, float]]:
        """The exemplar crop of ``modality`` around ``center`` (the state's by default, reference px) and the
        target's (w, h) inside it in crop pixels."""
        cfg = self.config
        c = tuple(state.center if center is None else center)
        k = self.mapping.scale_to(modality, c)
        side = context_size(*state.size, cfg.context) * k
        crop = crop_resize(image, self.mapping.point_to(modality, c), side, cfg.exemplar_size)
        ratio = cfg.exemplar_size / side * k
        return crop, (float(state.size[0] * ratio), float(state.size[1] * ratio))

    # ---------------------------------------------------------------- update
    def update(self, frames: FramePair, want: tuple[str, ...] = ()) -> TrackResult:
        """Track one frame; ``want`` may hold "attention" and/or "features" for visualisation."""
        if self.state is None:
            raise RuntimeError("Tracker.update called before init")
        cfg, st = self.config, self.state
        st.frame = frames.index
        t0 = time.perf_counter()
        health = {m: self._health.check(m, frames.get(m)) for m in st.templates}
        usable = [m for m in st.templates if health[m].usable]
        timings: dict[str, float] = {}
        if self._camera:
            self._compensate(frames, health)
            timings["motion_ms"] = 1e3 * (time.perf_counter() - t0)
        if not usable:
            return self._blind(frames.index, health, timings, t0)
        side = self._search_side(st)
        if st.lost:
            return self._scan(frames, usable, health, side, t0)
        factors = cfg.scale_factors
        predicted = st.center + st.motion.step(st.size)
        sides = [side * f for f in factors]

        def search(m: str) -> tuple[Response, float, float]:
            tc = time.perf_counter()
            crops = self._search_crops(frames.get(m), m, tuple(predicted), sides)
            tn = time.perf_counter()
            across = st.templates[m][1] != m  # a heterologous search
            pyramid = {} if across and not cfg.heterologous_share_pyramid else self._pyramid(factors)
            r = self._blend(st, m, crops, self.backend.match(st.templates[m][0], crops, m, want, **pyramid), **pyramid)
            return r, tn - tc, time.perf_counter() - tn

        done = self._each_modality(search, usable)
        responses: dict[str, Response] = {m: d[0] for m, d in done.items()}
        timings["crop_ms"] = 1e3 * sum(d[1] for d in done.values())
        timings["match_ms"] = 1e3 * sum(d[2] for d in done.values())
        tp = time.perf_counter()
        ref = next(iter(responses.values()))
        inside = self._inside([tuple(predicted)] * len(sides), sides, ref)
        probs = {m: R.sigmoid(r.score) * inside for m, r in responses.items()}
        weights = self._weights(probs)
        fused = sum(weights[m] * probs[m] for m in probs)
        confidence = float(fused.max())
        heterologous = self._heterologous(responses)
        best, windowed, (row, col) = self._locate(fused, lost=st.lost, heterologous=heterologous)
        cell_x = R.upsampled_to_cell(col, cfg.response_up)
        cell_y = R.upsampled_to_cell(row, cfg.response_up)
        crop_scale = side * factors[best] / cfg.instance_size  # reference px per crop px
        disp = self._refined(responses, weights, best,
                             np.array([ref.origin + ref.stride * cell_x, ref.origin + ref.stride * cell_y]))
        disp = disp - cfg.instance_size / 2
        head_size = self._head_size(responses, weights, best, cell_y, cell_x, crop_scale)
        factor = factors[best]
        if heterologous and cfg.heterologous_scale_fit and len(factors) == 3:
            factor = self._fitted_factor(fused, cell_y, cell_x, factor)
        state = self._advance(confidence, predicted, disp * crop_scale, factor, head_size)
        verified = self._verify(frames, usable, side, confidence) if state != "lost" else None
        if verified is not None:
            state, confidence = "redetected", verified
        box = self._extent(frames, weights)
        timings["post_ms"] = 1e3 * (time.perf_counter() - tp)
        timings["total_ms"] = 1e3 * (time.perf_counter() - t0)
        maps = {m: p for m, p in probs.items()}
        maps["fused"] = fused
        return TrackResult(
            index=frames.index, box=box, box_infrared=self.mapping.box_to("infrared", box),
            score=float(max(r.score.max() for r in responses.values())), confidence=confidence, state=state,
            modalities=tuple(usable), weights=weights, health={m: h.status for m, h in health.items()},
            best_scale=best, score_maps=maps, windowed=windowed,
            attention=self._collect(responses, "attention"), features=self._collect(responses, "features"),
            timings=timings,
        )

    # -------------------------------------------------------------- helpers
    def _compensate(self, frames: FramePair, health: dict) -> None:
        """Move the state with the camera (``camera_motion``, :mod:`tracker.camera_motion`): the searched
        streams' frame-to-frame similarity, the best supported one, applied to the centre and the size, so
        that the prediction, the window and the coast follow the background and the velocity prior learns
        the target's own motion. A stream that is unusable this frame starts again on its next good frame."""
        st, best = self.state, None
        for m, camera in self._camera.items():
            if not health[m].usable:
                camera.reset()
                continue
            box = self.mapping.box_to(m, st.box)
            grown = np.array([*(box[:2] - box[2:] * 0.25), *(box[2:] * 1.5)])  # the target and a margin
            motion = camera.estimate(frames.get(m), exclude=grown)
            if motion is not None and (best is None or motion.inliers > best[1].inliers):
                best = (m, motion)
        self.camera = None
        # while the camera is compensated the velocity is the target's own over the ground, which a coast keeps
        st.motion.decay = self.config.velocity_decay if best is None else self.config.camera_velocity_decay
        if best is None:
            return
        m, motion = best
        before = np.array(self.mapping.point_to(m, tuple(st.center)))
        after = np.array(motion.apply(tuple(before)))
        st.center = np.array(self.mapping.point_from(m, tuple(after)))
        st.size = st.size * motion.zoom
        self._clamp()
        self.camera = {"modality": m, "zoom": motion.zoom, "shift": (after - before).tolist(),
                       "inliers": motion.inliers}

    def _each_modality(self, work, modalities: list[str]) -> dict[str, Any]:
        """``{m: work(m)}``; with ``parallel_modalities`` and two modalities, the second runs on a worker
        thread (the crops, OpenCV and torch release the GIL, so the two searches overlap on two cores)."""
        if (not self.config.parallel_modalities or len(modalities) < 2
                or threading.current_thread().name.startswith(_WORKER)):  # never wait on the worker from itself
            return {m: work(m) for m in modalities}
        futures = {m: _pool().submit(work, m) for m in modalities[1:]}
        first = work(modalities[0])
        return {modalities[0]: first, **{m: f.result() for m, f in futures.items()}}

    def _search_crops(self, image: np.ndarray, modality: str, center: tuple[float, float],
                      sides: list[float]) -> np.ndarray:
        cfg = self.config
        k = self.mapping.scale_to(modality, center)
        c = self.mapping.point_to(modality, center)
        mean = cv2.mean(image)  # per channel; several times faster than numpy's mean on a full frame
        pad = np.array(mean[:image.shape[2]]) if image.ndim == 3 else float(mean[0])
        return np.stack([crop_resize(image, c, s * k, cfg.instance_size, pad_value=pad) for s in sides])

    def _search_side(self, state: TrackState) -> float:
        """Side of the search crop at the state's size (reference px): the context square, scaled from the
        exemplar to the instance size."""
        cfg = self.config
        return context_size(*state.size, cfg.context) * cfg.instance_size / cfg.exemplar_size

    def _cell_offsets(self, r: Response, n: int) -> np.ndarray:
        """Crop px from the crop's centre to the centres of ``r``'s first ``n`` cells along one axis."""
        return r.origin + r.stride * np.arange(n) - self.config.instance_size / 2

    def _inside(self, centres: list[tuple[float, float]], sides: list[float], r: Response) -> np.ndarray | float:
        """``(S, H, W)`` 1 where crop ``s``'s cell puts the target's centre inside the image, else 0 (1.0 with
        ``mask_outside`` off). A crop that overhangs the frame is mean-padded, and the padding's edge is a strong
        artificial structure a weak (heterologous) template can lock on to; the tracker clamps its centre to
        the image anyway, so a peak out there can only be that artefact."""
        if not self.config.mask_outside:
            return 1.0
        w_img, h_img = self.state.image_size
        return np.stack([np.outer((ys >= 0) & (ys <= h_img), (xs >= 0) & (xs <= w_img))
                         for xs, ys in self._cell_points(centres, sides, r)]).astype(np.float32)

    def _cell_points(self, centres: list[tuple[float, float]], sides: list[float], r: Response):
        """For each crop (centre and side in reference px), the reference-px x of ``r``'s cell columns and y of
        its cell rows: where each cell would put the target's centre."""
        _, h, w = r.score.shape
        offset_x = self._cell_offsets(r, w) / self.config.instance_size
        offset_y = self._cell_offsets(r, h) / self.config.instance_size
        return [(cx + side * offset_x, cy + side * offset_y) for (cx, cy), side in zip(centres, sides)]

    def _gate(self, centres: list[tuple[float, float]], sides: list[float], r: Response) -> np.ndarray:
        """``(S, H, W)`` 1 where crop ``s``'s cell lies within the re-detection gate around the coasted
        position, else 0 (``heterologous_reacquire_gate``): ``gate + gate_growth * frames lost`` times the
        target's mean side. A heterologous template scores look-alikes and background structure nearly as
        well as the target, and a re-detection far beyond where the target could have gone locks on to one."""
        cfg, st = self.config, self.state
        radius = (cfg.heterologous_reacquire_gate + cfg.heterologous_reacquire_growth * st.frames_lost) \
            * float(np.sqrt(np.prod(st.size)))
        return np.stack([((ys[:, None] - st.center[1]) ** 2 + (xs[None, :] - st.center[0]) ** 2) <= radius ** 2
                         for xs, ys in self._cell_points(centres, sides, r)]).astype(np.float32)

    def _weights(self, probs: dict[str, np.ndarray]) -> dict[str, float]:
        cfg = self.config
        if len(probs) == 1:
            return {m: 1.0 for m in probs}
        raw = {}
        for m, p in probs.items():
            best = p[int(np.argmax(p.reshape(len(p), -1).max(axis=1)))]
            if cfg.reliability == "apce":
                raw[m] = float(best.max()) * R.apce(best)
            elif cfg.reliability == "psr":
                raw[m] = float(best.max()) * max(R.psr(best), 0.0)
            else:
                raw[m] = float(best.max())
        total = sum(raw.values())
        if total <= 0:
            return {m: 1.0 / len(raw) for m in raw}
        w = {m: max(v / total, cfg.min_modality_weight) for m, v in raw.items()}
        norm = sum(w.values())
        return {m: v / norm for m, v in w.items()}

    def _window(self, shape: tuple[int, int]) -> np.ndarray:
        if shape not in self._windows:
            self._windows[shape] = R.cosine_window(shape)
        return self._windows[shape]

    def _locate(self, fused: np.ndarray, lost: bool,
                heterologous: bool = False) -> tuple[int, np.ndarray, tuple[int, int]]:
        """The best scale, the windowed map at that scale and its peak; ``heterologous`` (every map of this
        frame came from a template of the other modality) takes ``heterologous_window`` as the influence."""
        cfg = self.config
        centre = len(fused) // 2
        ups = [R.upsample(m, cfg.response_up) for m in fused]
        peaks = [u.max() * (1.0 if s == centre else cfg.scale_penalty) for s, u in enumerate(ups)]
        best = int(np.argmax(peaks))
        influence = 0.0 if lost else (cfg.heterologous_window if heterologous else cfg.window_influence)
        windowed = R.apply_window(ups[best], self._window(ups[best].shape), influence)
        return best, windowed, R.peak(windowed)

    def _fitted_factor(self, fused: np.ndarray, cell_y: float, cell_x: float, fallback: float) -> float:
        """The scale factor at the vertex of a parabola through the three scales' scores at the chosen cell (in
        log scale), within the pyramid's range; ``fallback`` where the scores are not concave."""
        h, w = fused.shape[1:]
        y0, x0 = int(np.clip(np.floor(cell_y), 0, h - 2)), int(np.clip(np.floor(cell_x), 0, w - 2))
        fy, fx = float(np.clip(cell_y - y0, 0, 1)), float(np.clip(cell_x - x0, 0, 1))
        v = [(1 - fy) * ((1 - fx) * m[y0, x0] + fx * m[y0, x0 + 1])
             + fy * ((1 - fx) * m[y0 + 1, x0] + fx * m[y0 + 1, x0 + 1]) for m in fused]
        curve = v[0] - 2 * v[1] + v[2]
        if curve >= -1e-6:
            return fallback
        x = float(np.clip(0.5 * (v[0] - v[2]) / curve, -1.0, 1.0))
        return float(self.config.scale_step ** x)

    def _head_size(self, responses: dict[str, Response], weights: dict[str, float], best: int,
                   cell_y: float, cell_x: float, crop_scale: float) -> np.ndarray | None:
        if not self.config.box_refine:
            return None
        acc, total = np.zeros(2), 0.0
        for m, r in responses.items():
            if r.boxes is None:
                continue
            h, w = r.boxes.shape[2:]
            i, j = int(np.clip(round(cell_y), 0, h - 1)), int(np.clip(round(cell_x), 0, w - 1))
            x1, y1, x2, y2 = r.boxes[best, :, i, j]
            acc += weights[m] * np.array([x2 - x1, y2 - y1])
            total += weights[m]
        if total <= 0 or not np.all(acc > 0):
            return None
        return acc / total * crop_scale

    def _advance(self, confidence: float, predicted: np.ndarray, disp: np.ndarray, factor: float,
                 head_size: np.ndarray | None) -> str:
        """Apply a tracking frame's peak (``disp`` from the ``predicted`` centre), scale and confidence to the
        state; return its state name. A weak frame with ``coast_weak`` keeps the prediction and the size.

        (While lost, :meth:`_scan` updates the state instead.)"""
        cfg, st = self.config, self.state
        weak = confidence < self._weak_threshold()
        previous = st.center.copy()
        if weak and cfg.coast_weak:
            st.center = predicted.copy()
        else:
            st.center = predicted + disp
            scale = (1.0 - cfg.scale_lr) + cfg.scale_lr * factor
            st.size = st.size * scale
        if head_size is not None and not weak:
            st.size = (1.0 - cfg.box_lr) * st.size + cfg.box_lr * head_size
        self._clamp()
        if weak:
            st.motion.unseen()
            st.weak_frames += 1
            if st.weak_frames >= cfg.lost_patience:
                st.lost, st.frames_lost = True, 0
                return "lost"
            return "weak"
        st.motion.observe(st.center - previous, st.size)
        st.weak_frames = 0
        st.recent.append(confidence)
        return "tracking"

    def _weak_threshold(self) -> float:
        """``lost_threshold`` (lowered to ``reference_weak`` times a heterologous template's init-frame
        confidence where that is lower), raised to ``relative_weak`` times the median confidence of the latest
        tracking frames once there are a few of them (a sudden drop is an occlusion or a switch)."""
        cfg, st = self.config, self.state
        floor = cfg.lost_threshold
        if st.reference is not None and cfg.reference_weak > 0:
            floor = min(floor, cfg.reference_weak * st.reference)
        return max(floor, cfg.relative_weak * self._recent_median())

    def _reacquire_threshold(self, center: np.ndarray | None = None) -> float:
        """``reacquire_threshold``, raised to ``relative_reacquire`` times the median confidence of the latest
        tracking frames before the loss (a look-alike seldom scores as the target did); for a peak at
        ``center`` within ``reacquire_near`` mean sides of the prediction that extra bar falls linearly to
        nothing over ``reacquire_relax`` lost frames."""
        cfg, st = self.config, self.state
        relative = cfg.relative_reacquire * self._recent_median()
        near = (cfg.reacquire_near <= 0 or center is None
                or np.hypot(*(center - st.center)) <= cfg.reacquire_near * float(np.sqrt(np.prod(st.size))))
        if cfg.reacquire_relax > 0 and near:
            relative *= max(0.0, 1.0 - st.frames_lost / cfg.reacquire_relax)
        return max(cfg.reacquire_threshold, relative)

    def _recent_median(self) -> float:
        """Median confidence of the latest tracking frames, once there are a few of them (else 0)."""
        st = self.state
        if len(st.recent) < min(5, self.config.relative_window):
            return 0.0
        return float(np.median(st.recent))

    def _coast(self) -> None:
        """A frame where the target is not seen: move it along its predicted path."""
        st = self.state
        st.center = st.center + st.motion.step(st.size)
        st.motion.unseen()
        self._clamp()

    def _clamp(self) -> None:
        cfg, st = self.config, self.state
        st.size = np.clip(st.size, st.init_size * cfg.min_scale, st.init_size * cfg.max_scale)
        st.size = np.maximum(st.size, 4.0)
        st.center = np.clip(st.center, [0.0, 0.0], [float(st.image_size[0]), float(st.image_size[1])])

    def _blind(self, index: int, health: dict, timings: dict[str, float], t0: float) -> TrackResult:
        st = self.state
        self._coast()
        st.weak_frames += 1
        if not st.lost and st.weak_frames >= self.config.lost_patience:
            st.lost, st.frames_lost = True, 0
        timings["total_ms"] = 1e3 * (time.perf_counter() - t0)
        return TrackResult(index=index, box=st.box, box_infrared=self.mapping.box_to("infrared", st.box),
                           score=float("nan"), confidence=0.0, state="blind", modalities=(), weights={},
                           health={m: h.status for m, h in health.items()}, best_scale=-1, timings=timings)

    def _scan_region(self, side: float) -> tuple[float, float, float, float]:
        """Where to look while lost: a square ``growth`` times the search side around the last position,
        growing each frame, and the whole frame every fifth frame once it has reached its largest size."""
        cfg, st = self.config, self.state
        w_img, h_img = st.image_size
        if st.growth >= cfg.max_search_growth and st.frames_lost % 5 == 4:
            return 0.0, 0.0, float(w_img), float(h_img)
        half = side * st.growth / 2
        cx, cy = st.center
        return max(cx - half, 0.0), max(cy - half, 0.0), min(cx + half, w_img), min(cy + half, h_img)

    def _scan(self, frames: FramePair, usable: list[str], health: dict, side: float, t0: float) -> TrackResult:
        """Re-detection: tile a region with search crops at the template's scale and take the best peak (the
        first crop, searched every frame, on the prediction with ``scan_at_prediction``).

        Widening one crop instead would shrink the target relative to the frozen template, which a
        matcher trained at one scale does not find; tiles keep the scale and only move.
        """
        cfg, st = self.config, self.state
        self._coast()
        centres = _tiles(self._scan_region(side), side)
        centres.sort(key=lambda c: (c[0] - st.center[0]) ** 2 + (c[1] - st.center[1]) ** 2)
        if cfg.scan_at_prediction:  # the prediction first, then the grid points not within a quarter side of it
            here = (float(st.center[0]), float(st.center[1]))
            centres = [here] + [c for c in centres if np.hypot(c[0] - here[0], c[1] - here[1]) >= side / 4]
        if 0 < cfg.scan_tiles < len(centres):
            # A real-time budget: the first crop on every frame, the others in turn.
            rest, n = centres[1:], cfg.scan_tiles - 1
            first = (st.scan_cursor * n) % len(rest)
            centres = [centres[0]] + [rest[(first + k) % len(rest)] for k in range(n)]
        st.scan_cursor += 1
        # The first crop is also searched at the ``scan_scales`` factors: a target that changed size while
        # it was not followed is found at its new size where it was last seen.
        sides = [side] * len(centres)
        extra = [f for f in cfg.scan_scales if f != 1.0]
        centres, sides = centres + [centres[0]] * len(extra), sides + [side * f for f in extra]

        responses, weights, fused = self._search_tiles(frames, usable, centres, sides,
                                                       gated=cfg.heterologous_reacquire_gate > 0)
        peaks = fused.reshape(len(fused), -1).max(axis=1)
        peaks[len(peaks) - len(extra):] *= cfg.scale_penalty  # as in tracking: a change of size must earn it
        tile = int(np.argmax(peaks))
        confidence, found = self._tile_peak(responses, weights, fused, centres, sides, tile)
        if confidence >= self._reacquire_threshold(found):
            st.center = found
            st.size = st.size * (sides[tile] / side)
            st.lost, st.growth, st.weak_frames, st.frames_lost, st.scan_cursor = False, 1.0, 0, 0, 0
            self._clamp()
            state = "redetected"
        else:
            st.frames_lost += 1
            st.growth = min(st.growth * cfg.search_growth, cfg.max_search_growth)
            state = "lost"
        box = self._extent(frames, weights)
        return TrackResult(index=frames.index, box=box, box_infrared=self.mapping.box_to("infrared", box),
                           score=float("nan"), confidence=confidence, state=state, modalities=tuple(usable),
                           weights=weights, health={m: h.status for m, h in health.items()}, best_scale=-1,
                           score_maps={"fused": fused[tile:tile + 1]},
                           timings={"total_ms": 1e3 * (time.perf_counter() - t0), "tiles": float(len(centres))})

    def _heterologous(self, modalities) -> bool:
        """Whether every one of these search modalities is searched with the other modality's template."""
        return all(self.state.templates[m][1] != m for m in modalities)

    def _search_tiles(self, frames: FramePair, usable: list[str], centres: list[tuple[float, float]],
                      sides: list[float], gated: bool) -> tuple[dict[str, Response], dict[str, float], np.ndarray]:
        """Search crops of ``sides`` at ``centres``: the responses, the reliability weights and the fused
        probability maps ``(tiles, n, n)``, placements outside the image at 0 (and, ``gated``, a heterologous
        search's placements beyond the target's reach, :meth:`_gate`)."""
        st = self.state

        def search(m: str) -> Response:
            crops = np.concatenate([self._search_crops(frames.get(m), m, c, [s]) for c, s in zip(centres, sides)])
            return self._blend(st, m, crops, self.backend.match(st.templates[m][0], crops, m))

        responses = self._each_modality(search, usable)
        r = next(iter(responses.values()))
        inside = self._inside(centres, sides, r)
        if gated and self._heterologous(responses):
            inside = inside * self._gate(centres, sides, r)
        probs = {m: R.sigmoid(r.score) * inside for m, r in responses.items()}
        weights = self._weights(probs)
        return responses, weights, sum(weights[m] * probs[m] for m in probs)

    def _tile_peak(self, responses: dict[str, Response], weights: dict[str, float], fused: np.ndarray,
                   centres: list[tuple[float, float]], sides: list[float], tile: int) -> tuple[float, np.ndarray]:
        """Tile ``tile``'s peak: its fused probability and where it puts the target (reference px)."""
        cfg = self.config
        r = next(iter(responses.values()))
        i, j = R.peak(fused[tile])
        point = self._refined(responses, weights, tile, np.array([r.origin + r.stride * j, r.origin + r.stride * i]))
        point = point - cfg.instance_size / 2
        return float(fused[tile].max()), np.array(centres[tile]) + point * sides[tile] / cfg.instance_size

    def _verify(self, frames: FramePair, usable: list[str], side: float, confidence: float) -> float | None:
        """While a heterologous target is followed at a confidence well under its init-frame score (``verify_below``
        times it, the median of the latest tracking frames), search ``verify_tiles`` more crops of the frame in
        turn, away from the followed position; move there when one scores ``verify_margin`` above what is
        followed (a structure taken after an occlusion holds the tracker at a middling score while the
        target walks on elsewhere, docs/TRACKER.md, "Seventeenth session"). The score it moved to, or None.

        Unlike a lost scan's, these crops are not gated by ``heterologous_reacquire_gate``: the target is
        wherever it walked on to, and the bar is relative to what is followed instead."""
        cfg, st = self.config, self.state
        if (cfg.verify_below <= 0 or cfg.verify_tiles <= 0 or st.reference is None
                or not self._heterologous(usable)
                or len(st.recent) < min(5, cfg.relative_window)
                or self._recent_median() >= cfg.verify_below * st.reference):
            return None
        w_img, h_img = st.image_size
        here = st.center.copy()
        grid = _tiles((0.0, 0.0, float(w_img), float(h_img)), side)  # the whole frame's tiles, taken in turn
        picked = [grid[(st.verify_cursor + k) % len(grid)] for k in range(min(cfg.verify_tiles, len(grid)))]
        st.verify_cursor = (st.verify_cursor + len(picked)) % len(grid)
        centres = [c for c in picked if np.hypot(c[0] - here[0], c[1] - here[1]) >= side / 2]
        if not centres:
            return None
        sides = [side] * len(centres)
        responses, weights, fused = self._search_tiles(frames, usable, centres, sides, gated=False)
        tile = int(np.argmax(fused.reshape(len(fused), -1).max(axis=1)))
        score, found = self._tile_peak(responses, weights, fused, centres, sides, tile)
        bar = max(cfg.reacquire_threshold, max(confidence, self._recent_median()) + cfg.verify_margin)
        if score < bar or np.hypot(*(found - here)) < float(np.sqrt(np.prod(st.size))):
            return None
        st.center = found
        st.motion.velocity[:] = 0.0
        st.recent.clear()
        st.weak_frames = 0
        self._clamp()
        return score

    def _refined(self, responses: dict[str, Response], weights: dict[str, float], crop: int,
                 point: np.ndarray) -> np.ndarray:
        """``point`` (crop px) refined on the backends' dense maps of crop ``crop`` (``peak_refine``)."""
        mode = self.config.peak_refine
        if mode == "off" or (mode == "auto" and not getattr(self.backend, "refine_peaks", False)):
            return point
        return refine_point(responses, weights, crop, point, radius=float(self.config.total_stride))

    def _pyramid(self, factors: tuple[float, ...]) -> dict:
        """The scale factors, for a backend that can share work across the pyramid's crops."""
        return {"factors": tuple(factors)} if getattr(self.backend, "accepts_factors", False) else {}

    def _blend(self, state: TrackState, modality: str, crops: np.ndarray, r: Response, **kw) -> Response:
        """``r`` with the heterologous template's extra maps mixed into its logits, where the template searched
        in ``modality`` has them: the second matcher's (``heterologous_second``), then its banded twin's
        (``heterologous_blend``), then the init target's silhouette (``heterologous_silhouette``). The dense map
        (peak refinement) stays the bare box's."""
        twin, sil, second = state.banded.get(modality), state.silhouette.get(modality), state.second.get(modality)
        if twin is None and sil is None and second is None:
            return r
        score = r.score
        if second is not None:
            other = self.second.match(second, crops, modality)
            if other.score.shape != score.shape or (other.origin, other.stride) != (r.origin, r.stride):
                raise ConfigError(f"TrackerConfig.heterologous_second: the second matcher ({self.second.name}) "
                                  f"scores a different grid from {self.backend.name}'s; set it to 0")
            c = self.config.heterologous_second
            score = (1 - c) * score + c * other.score
        if twin is not None:
            b = self.config.heterologous_blend
            score = (1 - b) * score + b * self.backend.match(twin, crops, modality, **kw).score
        if sil is not None:
            s = self.config.heterologous_silhouette
            gain, bias = getattr(self.backend, "cross", SILHOUETTE_LOGITS)
            score = (1 - s) * score + s * (gain * silhouette_ncc(sil, crops, r.origin, r.stride, score.shape[-1])
                                           + bias)
        return replace(r, score=score.astype(np.float32))

    @staticmethod
    def _collect(responses: dict[str, Response], kind: str) -> dict[str, np.ndarray] | None:
        out = {}
        for m, r in responses.items():
            for k, v in (getattr(r, kind) or {}).items():
                out[f"{m}/{k}"] = v
        return out or None
