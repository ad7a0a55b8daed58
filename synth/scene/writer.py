"""Writing a scene in the VOT multi-channel layout, with the config and per-frame events in meta.json."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import numpy as np

from core.config import config_to_dict
from core.errors import InputError
from streams.vot_writer import VotSequenceWriter
from synth.scene.config import SceneConfig
from synth.scene.generator import SynthFrame, generate_scene
from synth.scene.world import ir_homography

FRAME_NAME = re.compile(r"^(\d{8})\.(jpg|png)$")


class SceneSequenceWriter:
    """Streams :class:`SynthFrame` s into ``out_dir`` (color/, ir/, groundtruth.txt, sequence, meta.json).

    The IR ground truth goes to ir_groundtruth.txt when the streams are
    misaligned; meta.json holds the generator config, the visible->IR
    homography (if any) and every frame's events. Frames left over from an
    earlier, longer sequence in the same folder are removed on close.
    """

    def __init__(self, out_dir: str | Path, cfg: SceneConfig):
        self.root = Path(out_dir)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"{self.root}: exists and is not a folder")
        try:
            self.writer = VotSequenceWriter(self.root, fps=cfg.fps, blank_size=(cfg.width, cfg.height))
        except OSError as exc:
            raise InputError(f"{self.root}: cannot write the sequence here ({exc.strerror})") from None
        self.cfg = cfg
        self.closed = False
        self.events: list[dict] = []
        hom = ir_homography(cfg)
        self.meta = {"generator": "synth.scene", "version": 1, "config": config_to_dict(cfg),
                     "target": {"id": 0, "class": cfg.target_class}}
        if hom is not None:
            self.meta["homography_visible_to_infrared"] = np.round(hom, 10).tolist()

    def __enter__(self) -> "SceneSequenceWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, item: SynthFrame) -> None:
        differs = self.cfg.misaligned
        self.writer.add(item.frame, item.box_visible, item.box_infrared if differs else None)
        self.events.append(item.events)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.writer.meta.update(self.meta)
        self.writer.meta["frames"] = self.events
        self.writer.close()
        self._remove_stale(self.writer.frame_count)

    def _remove_stale(self, count: int) -> None:
        for sub in ("color", "ir"):
            for path in (self.root / sub).iterdir():
                m = FRAME_NAME.match(path.name)
                if m and int(m.group(1)) > count:
                    path.unlink()
        stale_ir = self.root / "ir_groundtruth.txt"
        if not self.cfg.misaligned and stale_ir.exists():
            stale_ir.unlink()


def write_frames(frames: Iterable[SynthFrame], cfg: SceneConfig, out_dir: str | Path, progress: bool = True) -> Path:
    """Write already generated ``frames`` of ``cfg`` to ``out_dir``."""
    from tqdm import tqdm

    with SceneSequenceWriter(out_dir, cfg) as writer:
        for item in tqdm(frames, total=cfg.frames, desc="scene", unit="frame", disable=not progress, leave=False):
            writer.add(item)
    return Path(out_dir)


def write_scene(cfg: SceneConfig, out_dir: str | Path, progress: bool = True) -> Path:
    """Generate ``cfg`` and write it as a VOT sequence folder; returns the folder."""
    frames = generate_scene(cfg)
    return write_frames(frames, cfg, out_dir, progress)
