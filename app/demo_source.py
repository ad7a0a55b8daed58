"""The built-in synthetic demo as a frame source that is usable while it is still being generated.

The first launch renders ``PRESETS["demo"]`` with :mod:`synth.scene` in a
background thread into ``<cache>/demo-<hash>.partial-<pid>`` (VOT layout, via
:class:`synth.scene.SceneSequenceWriter`); :meth:`GeneratingDemo.frame` waits
only for the frame it needs, so tracking starts after the first frame (about
two seconds). When generation completes and the source is closed, the folder
becomes ``<cache>/demo-<hash>`` with a ``complete.json`` marker, and later
launches open it directly as a :class:`~streams.sequence.DatasetSequence`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from core.config import config_to_dict
from core.errors import HeteroTrackError, SourceError
from streams.frames import FramePair
from streams.imageio import read_infrared, read_visible
from streams.sources import PairSource

COMPLETE = "complete.json"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/heterotrack`` (default ``~/.cache/heterotrack``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "heterotrack"


def demo_key(cfg) -> str:
    """A short hash of the scene config, so a changed preset is regenerated."""
    text = json.dumps(config_to_dict(cfg), sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def open_demo(cfg=None, cache_dir: str | Path | None = None, wait_timeout: float = 60.0) -> PairSource:
    """The demo sequence: the cached copy when complete, else a :class:`GeneratingDemo`."""
    from synth.scene import PRESETS

    cfg = cfg or PRESETS["demo"]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    final = cache / f"demo-{demo_key(cfg)}"
    if (final / COMPLETE).is_file():
        from streams.open import open_sequence

        try:
            return open_sequence(final)
        except HeteroTrackError:
            shutil.rmtree(final, ignore_errors=True)  # a damaged cache: generate it again
    _remove_stale_partials(cache)
    return GeneratingDemo(cfg, final, wait_timeout=wait_timeout)


def _remove_stale_partials(cache: Path) -> None:
    """Delete ``*.partial-<pid>`` folders left by processes that no longer run."""
    if not cache.is_dir():
        return
    for path in cache.glob("demo-*.partial-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class GeneratingDemo(PairSource):
    """Random access to a scene that a background thread is still rendering.

    ``progress`` is ``(frames generated, total)``; ``groundtruth_visible`` and
    ``groundtruth_infrared`` fill in as frames arrive (NaN before).
    ``frame(i)`` waits at most ``wait_timeout`` seconds for frame ``i``.
    """

    layout = "demo"

    def __init__(self, cfg, final_dir: str | Path, wait_timeout: float = 60.0):
        super().__init__()
        self.cfg = cfg
        self.final_dir = Path(final_dir)
        self.name = "synthetic demo"
        self.fps = float(cfg.fps)
        self.length = int(cfg.frames)
        self.calibration = None
        self.wait_timeout = float(wait_timeout)
        self.groundtruth_visible = np.full((self.length, 4), np.nan)
        self.groundtruth_infrared = np.full((self.length, 4), np.nan)
        self.init_index = 0
        self.root = self._make_partial_dir()
        self._count = 0
        self._complete = False
        self._failure: str | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-generator", daemon=True)
        self._thread.start()

    def _make_partial_dir(self) -> Path:
        partial = self.final_dir.with_name(f"{self.final_dir.name}.partial-{os.getpid()}")
        try:
            partial.mkdir(parents=True, exist_ok=True)
            return partial
        except OSError:
            self.notices.append(f"{partial.parent}: cache folder not writable; the demo is not cached")
            return Path(tempfile.mkdtemp(prefix="heterotrack-demo-"))

    def _run(self) -> None:
        from synth.scene import SceneSequenceWriter, generate_scene

        try:
            with SceneSequenceWriter(self.root, self.cfg) as writer:
                for item in generate_scene(self.cfg):
                    if self._stop.is_set():
                        return
                    writer.add(item)
                    with self._cond:
                        i = self._count
                        self.groundtruth_visible[i] = item.box_visible
                        self.groundtruth_infrared[i] = item.box_infrared
                        self._count += 1
                        self._cond.notify_all()
            (self.root / COMPLETE).write_text(json.dumps({"frames": self.length, "key": demo_key(self.cfg)}),
                                              encoding="utf-8")
            with self._cond:
                self._complete = True
                self._cond.notify_all()
        except Exception as exc:  # noqa: BLE001 - reported to the reader as a SourceError
            with self._cond:
                self._failure = f"{type(exc).__name__}: {exc}"
                self._cond.notify_all()

    @property
    def progress(self) -> tuple[int, int]:
        return self._count, self.length

    @property
    def complete(self) -> bool:
        return self._complete

    @property
    def init_box(self) -> np.ndarray:
        """The target's first box (waits for frame 0)."""
        self._wait(0)
        return self.groundtruth_visible[0].copy()

    def _wait(self, index: int) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: self._count > index or self._failure is not None or self._stop.is_set(),
                                     timeout=self.wait_timeout)
            if self._count > index:
                return
            if self._failure is not None:
                raise SourceError(f"{self.root}: frame {index}: the demo generator failed ({self._failure})")
            if self._stop.is_set():
                raise SourceError(f"{self.root}: frame {index}: the demo source was closed")
            if not ok:
                raise SourceError(f"{self.root}: frame {index}: not generated within {self.wait_timeout:g} s")

    def __len__(self) -> int:
        return self.length

    def frame(self, index: int) -> FramePair:
        if not 0 <= index < self.length:
            raise IndexError(f"frame {index} out of range for {self.length} frames")
        self._wait(index)
        name = f"{index + 1:08d}.jpg"
        t = index / self.fps
        return FramePair(index, read_visible(self.root / "color" / name, index),
                         read_infrared(self.root / "ir" / name, index), t, t)

    def __iter__(self):
        for i in range(self.length):
            yield self.frame(i)

    def cancel(self) -> None:
        """Stop generating and wake any reader waiting for a frame (safe from any thread)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        """Stop generating; keep the folder as the cache if it is complete, else delete it."""
        self.cancel()
        self._thread.join(timeout=10.0)
        if self._thread.is_alive():
            return  # still writing one frame; the next launch removes the partial folder
        if not self.root.exists():
            return
        if self._complete and self.root.name.startswith(self.final_dir.name) and not self.final_dir.exists():
            try:
                self.root.rename(self.final_dir)
                return
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
