"""A small NumPy matcher obeying the tracker's backend protocol, and a moving-target scene.

The backend correlates stride-8 downsampled crops with normalised
cross-correlation, so the tracking loop can be tested without weights.
"""
from __future__ import annotations

import threading

import cv2
import numpy as np

from streams.frames import FramePair
from tracker.backends import Response


class NccBackend:
    name = "test-ncc"
    has_box_head = False
    has_attention = False

    def __init__(self, gain: float = 8.0, bias: float = -4.0) -> None:
        self.calls = 0
        self._lock = threading.Lock()  # fused mode calls match from two threads (parallel_modalities)
        self.gain, self.bias = gain, bias  # NCC in [-1, 1] -> logits

    @staticmethod
    def _grey(crop: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop

    def encode(self, crop, modality, target=None):
        g = self._grey(crop).astype(np.float32)
        # Fingerprint the centre half of the exemplar (the target itself) at stride 8.
        return cv2.resize(g[32:96, 32:96], (8, 8), interpolation=cv2.INTER_AREA)

    def match(self, template, crops, modality, want=()):
        with self._lock:
            self.calls += 1
        out = []
        for crop in crops:
            g = cv2.resize(self._grey(crop).astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
            out.append(cv2.matchTemplate(g, template, cv2.TM_CCOEFF_NORMED))
        score = self.gain * np.stack(out) + self.bias  # 25x25 map
        # Cell j places the 8-cell fingerprint at crop x = 8*j .. 8*j+64, centre 8*j + 32.
        return Response(score=score.astype(np.float32), origin=32.0, stride=8.0)


def moving_target_scene(n: int = 30, size=(320, 240), box=(60, 80, 40, 40), velocity=(4.0, 1.5), seed=0):
    """Frames with a textured square moving over a noise background; IR is the inverted intensity."""
    rng = np.random.default_rng(seed)
    w, h = size
    background = cv2.GaussianBlur(rng.integers(0, 255, (h, w), dtype=np.uint8), (0, 0), 3)
    background = cv2.normalize(background, None, 40, 120, cv2.NORM_MINMAX)
    patch = cv2.resize(rng.integers(0, 255, (5, 5), dtype=np.uint8), (box[2], box[3]),
                       interpolation=cv2.INTER_NEAREST)
    patch = np.clip(patch.astype(int) + 80, 0, 255).astype(np.uint8)
    frames, boxes = [], []
    for i in range(n):
        x = int(round(box[0] + velocity[0] * i))
        y = int(round(box[1] + velocity[1] * i))
        grey = background.copy()
        grey[y:y + box[3], x:x + box[2]] = patch
        grey = np.clip(grey.astype(int) + rng.integers(-3, 4, grey.shape), 0, 255).astype(np.uint8)
        vis = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        ir = 255 - grey
        frames.append(FramePair(i, vis, ir, i / 30, i / 30))
        boxes.append((x, y, box[2], box[3]))
    return frames, np.array(boxes, float)
