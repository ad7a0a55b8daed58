"""Doubles for the app tests (no tests here): fast backends that also return attention/feature maps,
a small sequence on disk, and a backend factory that fails on 'bad' weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import CheckpointError
from streams.vot_writer import write_vot_sequence
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.backends import Response

HEADS = 2
PARTS = 4


class AttentionBackend(NccBackend):
    """The NCC test matcher plus model-like extras: per-head cross-attention and feature maps."""

    name = "test-attention"
    has_attention = True

    def __init__(self, attention: bool = True, features: bool = True):
        super().__init__()
        self.attention, self.features = attention, features
        self.has_attention = attention

    def match(self, template, crops, modality, want=()):
        base = super().match(template, crops, modality, want)
        s, h, w = base.score.shape
        att = feats = None
        if "attention" in want and self.attention:
            prob = 1 / (1 + np.exp(-base.score))  # (S, H, W)
            logits = np.zeros((s, HEADS, h, w, PARTS, PARTS), np.float32)
            logits[..., 1:3, 1:3] = 3 * prob[:, None, :, :, None, None]  # cells on the target attend to the centre
            logits[:, 1] *= 0.5
            e = np.exp(logits)
            att = {"cross.search_to_template": e / e.sum(axis=(-2, -1), keepdims=True)}
        if "features" in want and self.features:
            grey = np.stack([self._grey(c).astype(np.float32) / 255 for c in crops])
            small = grey[:, ::8, ::8][:, :32, :32]
            search = np.stack([small * (k + 1) / 8 + 0.01 * k for k in range(8)], axis=1)
            feats = {"template.high": np.repeat(np.asarray(template, np.float32)[None, None] / 255, 8, axis=1),
                     "search.high": search.astype(np.float32),
                     "fused": np.repeat(base.score[:, None], 4, axis=1)}
        return Response(score=base.score, origin=base.origin, stride=base.stride, attention=att, features=feats)


def attention_factory(attention: bool = True, features: bool = True):
    """A TrackingEngine backend factory: weights ending in '.bad' fail like a corrupt checkpoint."""
    made = []

    def factory(weights, classic):
        if weights is not None and str(weights).endswith(".bad"):
            raise CheckpointError(f"{weights}: not a safetensors checkpoint (header is corrupt)")
        backend = AttentionBackend(attention=attention and not classic, features=features and not classic)
        if weights is not None:
            backend.name = f"test-attention ({Path(weights).name})"
        made.append(backend)
        return backend

    factory.made = made  # type: ignore[attr-defined]
    return factory


def write_small_sequence(root: Path, n: int = 30) -> tuple[Path, np.ndarray]:
    """A VOT-layout sequence of the moving-square scene (320x240) with ground truth; returns (folder, boxes)."""
    frames, boxes = moving_target_scene(n=n)
    write_vot_sequence(root, [(f, b, None) for f, b in zip(frames, boxes)], fps=30, ext=".png")
    return root, boxes


class SceneCapture:
    """A fake ``cv2.VideoCapture`` camera playing the moving-square scene (BGR) every ``period`` seconds."""

    def __init__(self, spec, period: float = 0.005, frames: int = 10**6):
        import time

        self._time = time
        self.spec, self.period, self.frames = spec, period, frames
        self.scene = [cv2_bgr(f.visible) for f in moving_target_scene(n=40)[0]]
        self.count = 0
        self.released = False

    def isOpened(self):  # noqa: N802 - OpenCV's name
        return True

    def get(self, prop):
        return 0.0

    def read(self):
        if self.released or self.count >= self.frames:
            self._time.sleep(0.001)
            return False, None
        self._time.sleep(self.period)
        image = self.scene[self.count % len(self.scene)]
        self.count += 1
        return True, image

    def release(self):
        self.released = True


def cv2_bgr(rgb):
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
