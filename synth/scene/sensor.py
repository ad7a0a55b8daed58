"""The visible camera: exposure, lens vignetting, noise (higher in the dark), clipping.

The static scene's highlights are rolled off softly once, when the
background is built (``KNEE``); moving lights simply clip to white here.
"""
from __future__ import annotations

import cv2
import numpy as np

from synth.scene.config import SceneConfig
from synth.scene.lighting import Lighting
from synth.scene.thermal import radial

VIGNETTE = 0.22  # relative darkening at the corners at vignetting = 1
KNEE = 0.82 * 255.0  # static highlights above this roll off smoothly instead of clipping hard


class VisibleSensor:
    def __init__(self, cfg: SceneConfig, light: Lighting, rng: np.random.Generator):
        w, h = cfg.width, cfg.height
        gain = (1.0 - VIGNETTE * cfg.vignetting * radial(w, h)) * (255.0 * light.exposure)
        self.gain = np.ascontiguousarray(np.repeat(gain[..., None], 4, axis=2), dtype=np.float32)
        self.sigma = light.visible_noise * cfg.visible_noise
        self.bank = (rng.standard_normal((2, h + 16, w + 16, 4), dtype=np.float32) * self.sigma
                     if self.sigma > 0 else None)

    def render(self, rgbt: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """RGB uint8 frame of the scene colour in the first three channels of ``rgbt`` (1.0 = white)."""
        h, w = rgbt.shape[:2]
        v = cv2.multiply(rgbt, self.gain)
        if self.bank is not None:
            k, y, x = int(rng.integers(2)), int(rng.integers(17)), int(rng.integers(17))
            cv2.add(v, self.bank[k, y:y + h, x:x + w], dst=v)
        np.maximum(v, 0.0, out=v)
        return cv2.cvtColor(cv2.convertScaleAbs(v), cv2.COLOR_RGBA2RGB)
