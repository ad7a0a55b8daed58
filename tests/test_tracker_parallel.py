"""Fused mode searches the two modalities on two threads (``parallel_modalities``): same results as in turn."""
import dataclasses
import threading

import numpy as np
import pytest

from streams.frames import FramePair
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.factory import build_backend, default_weights
from tracker.tracker import Tracker


def _track(backend, frames, gt, **cfg):
    tracker = Tracker(backend, TrackerConfig(**cfg))
    tracker.init(frames[0], gt[0], "visible")
    return [tracker.update(f) for f in frames[1:]]


def _backends():
    out = [("ncc", NccBackend), ("cfog", CfogBackend)]
    if default_weights().is_file():
        out.append(("descriptor", lambda: build_backend(default_weights())))
    return out


@pytest.mark.parametrize("name,make", _backends(), ids=[n for n, _ in _backends()])
def test_parallel_search_gives_the_sequential_results_bit_for_bit(name, make):
    frames, gt = moving_target_scene(n=14)
    # Blank the visible stream for a few frames so that one-modality frames are covered too.
    frames = [FramePair(f.index, np.zeros_like(f.visible) if 6 <= f.index < 9 else f.visible, f.infrared)
              for f in frames]
    backend = make()
    seq = _track(backend, frames, gt, parallel_modalities=False)
    par = _track(backend, frames, gt, parallel_modalities=True)
    for a, b in zip(seq, par):
        assert a.state == b.state and a.modalities == b.modalities
        np.testing.assert_array_equal(a.box, b.box)
        assert a.weights == b.weights
        np.testing.assert_array_equal(a.score_maps["fused"], b.score_maps["fused"])


class _ThreadRecorder(NccBackend):
    def __init__(self):
        super().__init__()
        self.threads = {}

    def match(self, template, crops, modality, want=()):
        self.threads.setdefault(modality, set()).add(threading.current_thread().name)
        return super().match(template, crops, modality, want)


@pytest.mark.parametrize("parallel", [True, False])
def test_the_second_modality_runs_on_the_worker_thread_only_when_asked(parallel):
    frames, gt = moving_target_scene(n=4)
    backend = _ThreadRecorder()
    tracker = Tracker(backend, TrackerConfig(parallel_modalities=parallel))
    tracker.init(frames[0], gt[0], "visible")
    backend.threads.clear()
    for f in frames[1:]:
        tracker.update(f)
    main = threading.current_thread().name
    assert backend.threads["visible"] == {main}
    if parallel:
        assert all(t.startswith("heterotrack-modality") for t in backend.threads["infrared"])
    else:
        assert backend.threads["infrared"] == {main}


def test_lost_scan_also_splits_the_modalities():
    frames, gt = moving_target_scene(n=3)
    backend = _ThreadRecorder()
    tracker = Tracker(backend, dataclasses.replace(TrackerConfig(), parallel_modalities=True))
    tracker.init(frames[0], gt[0], "visible")
    tracker.state.lost = True
    backend.threads.clear()
    result = tracker.update(frames[1])
    assert result.state in ("lost", "redetected")
    assert all(t.startswith("heterotrack-modality") for t in backend.threads["infrared"])


def test_a_tracker_run_on_the_worker_thread_itself_searches_in_turn():
    """A tracker driven from the shared worker (a nested use) must not wait for that same worker."""
    from tracker.tracker import _pool

    frames, gt = moving_target_scene(n=4)
    backend = _ThreadRecorder()

    def run():
        tracker = Tracker(backend, TrackerConfig(parallel_modalities=True))
        tracker.init(frames[0], gt[0], "visible")
        return [tracker.update(f).state for f in frames[1:]]

    states = _pool().submit(run).result(timeout=60)
    assert states == ["tracking"] * 3
    assert len(backend.threads["visible"] | backend.threads["infrared"]) == 1  # both on the worker


def test_an_error_in_the_worker_reaches_the_caller():
    class Failing(NccBackend):
        def match(self, template, crops, modality, want=()):
            if modality == "infrared":
                raise RuntimeError("infrared backend failed")
            return super().match(template, crops, modality, want)

    frames, gt = moving_target_scene(n=3)
    tracker = Tracker(Failing(), TrackerConfig(parallel_modalities=True, auto_align=False))
    tracker.init(frames[0], gt[0], "visible")
    with pytest.raises(RuntimeError, match="infrared backend failed"):
        tracker.update(frames[1])
