"""Per-frame events: modality dropouts and the event record written to meta.json.

Dropout kinds: ``missing`` (the frame is ``None``), ``black`` (all zeros) and
``frozen`` (the last good frame of that modality repeated; at the very first
frame, that frame itself).
"""
from __future__ import annotations

import math

import numpy as np

from synth.scene.config import MODALITIES, SceneConfig


class Dropouts:
    """Applies the config's dropout windows to each frame, in order."""

    def __init__(self, cfg: SceneConfig):
        self.cfg = cfg
        self.specs = cfg.dropout_specs()
        self.last_good: dict[str, np.ndarray | None] = {m: None for m in MODALITIES}

    def kind(self, modality: str, index: int) -> str | None:
        """The dropout of ``modality`` at frame ``index`` (the first listed window wins), or None."""
        for spec in self.specs:
            if spec.modality == modality and spec.covers(index, self.cfg.frames):
                return spec.kind
        return None

    def apply(self, modality: str, index: int, image: np.ndarray) -> tuple[np.ndarray | None, str | None]:
        kind = self.kind(modality, index)
        if kind is None:
            self.last_good[modality] = image
            return image, None
        if kind == "missing":
            return None, kind
        if kind == "black":
            return np.zeros_like(image), kind
        if self.last_good[modality] is None:
            self.last_good[modality] = image
        return self.last_good[modality].copy(), kind


def _num(v: float, digits: int = 4) -> float:
    return round(float(v), digits) if math.isfinite(v) else 0.0


def frame_events(cfg: SceneConfig, index: int, box_visible: np.ndarray, box_infrared: np.ndarray, in_frame: float,
                 occlusion: float, crossover: float, dropout_visible: str | None, dropout_infrared: str | None,
                 blur_px: float, camera: dict, distractor_distance: float | None) -> dict:
    """The JSON-ready event record of one frame."""
    t = index / cfg.fps
    a, b = cfg.crossover
    out = not np.all(np.isfinite(box_visible))
    return {
        "index": index,
        "time": _num(t),
        "out_of_view": bool(out),
        "out_of_view_infrared": bool(not np.all(np.isfinite(box_infrared))),
        "in_frame": _num(in_frame),
        "occlusion": _num(0.0 if out else occlusion),
        "visible_fraction": _num(0.0 if out else in_frame * (1.0 - occlusion)),
        "crossover": bool(b > a and a <= index / cfg.frames < b),
        "crossover_weight": _num(crossover),
        "dropout_visible": dropout_visible,
        "dropout_infrared": dropout_infrared,
        "motion_blur_px": _num(blur_px, 2),
        "distractor_distance": None if distractor_distance is None else _num(distractor_distance, 3),
        "camera": camera,
    }
