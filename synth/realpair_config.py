"""Settings of the real-pair sequence maker (:mod:`synth.realpairs`).

Load from a mapping, TOML or JSON with :func:`core.config.config_from_mapping`
or :func:`core.config.load_config`, so unknown keys are rejected.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

BORDERS = ("reflect", "mean")


@dataclass(frozen=True)
class RealPairConfig:
    """How one aligned still pair becomes an N-frame sequence.

    Geometry (a virtual camera looking at the still):

    - ``out_size``: output frame ``(width, height)``. The default 320x256 is a
      moving crop of a RoadScene still (about 500x330), so the window mostly
      stays on real pixels; ``(0, 0)`` means the still's own size. Parts of the
      window outside the still are filled by ``border``: ``"reflect"`` (mirror
      the still, keeps natural texture) or ``"mean"`` (its mean colour).
    - ``scale``: output pixels per still pixel at zoom 1. ``0`` (auto) uses 1,
      raised so the window fits inside the still, then lowered when the target
      at the largest zoom would be wider or taller than half the frame.
    - ``pan``: how much of its free range the target sweeps (0..1). The
      range holds the positions that keep the target in the frame and the
      window on the still (see :func:`synth.camera_path.drift_range`), so
      border fill shows only for targets at the still's edge, for zoomed-out
      frames of small stills, and above 1, where the drift overshoots and
      the target can leave the frame.
    - ``zoom``: target scale changes by up to ``±zoom`` (0.3 = ±30 %).
    - ``rotation_deg``: camera roll up to ``±rotation_deg`` degrees.
    - ``shake_px``: standard deviation of a high-frequency jitter, in output pixels.

    Photometry (independent per modality, never moves the ground truth):

    - ``gain_drift`` / ``offset_drift``: slow gain ``1 ± gain_drift`` and offset
      ``± offset_drift`` grey levels; ``colour_drift``: extra per-channel gain
      of the visible image (white balance).
    - ``blur_prob``: chance per frame that a motion-blur event (1-3 frames,
      both modalities, along the camera motion) starts; ``blur_max_px``: its
      longest streak in pixels.
    - ``noise_visible`` / ``noise_infrared``: Gaussian noise std in grey levels.

    ``absent_below``: a frame whose ground-truth box has less than this
    fraction of its area inside the frame is marked target-absent.
    ``seed`` makes everything deterministic.
    """

    frames: int = 100
    out_size: tuple[int, int] = (320, 256)
    scale: float = 0.0
    border: str = "reflect"
    pan: float = 0.8
    zoom: float = 0.3
    rotation_deg: float = 4.0
    shake_px: float = 1.0
    gain_drift: float = 0.25
    offset_drift: float = 20.0
    colour_drift: float = 0.06
    blur_prob: float = 0.04
    blur_max_px: float = 9.0
    noise_visible: float = 2.5
    noise_infrared: float = 2.0
    absent_below: float = 0.5
    fps: float = 30.0
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.frames, bool) or not isinstance(self.frames, int) or self.frames < 1:
            raise ValueError(f"frames must be a positive integer, got {self.frames!r}")
        size = tuple(self.out_size)
        if len(size) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in size):
            raise ValueError(f"out_size must be two integers (width, height), got {self.out_size!r}")
        if size != (0, 0) and min(size) < 16:
            raise ValueError(f"out_size must be at least 16x16 pixels, or (0, 0) for the still's size; got {size}")
        object.__setattr__(self, "out_size", size)
        if self.border not in BORDERS:
            raise ValueError(f"border must be one of {', '.join(BORDERS)}; got {self.border!r}")
        _check(self.scale, "scale", 0.0, 16.0)
        _check(self.pan, "pan", 0.0, 10.0)
        _check(self.zoom, "zoom", 0.0, 0.9)
        _check(self.rotation_deg, "rotation_deg", 0.0, 45.0)
        _check(self.shake_px, "shake_px", 0.0, 50.0)
        _check(self.gain_drift, "gain_drift", 0.0, 0.9)
        _check(self.offset_drift, "offset_drift", 0.0, 128.0)
        _check(self.colour_drift, "colour_drift", 0.0, 0.5)
        _check(self.blur_prob, "blur_prob", 0.0, 1.0)
        _check(self.blur_max_px, "blur_max_px", 0.0, 64.0)
        _check(self.noise_visible, "noise_visible", 0.0, 64.0)
        _check(self.noise_infrared, "noise_infrared", 0.0, 64.0)
        _check(self.absent_below, "absent_below", 0.0, 1.0)
        if not (isinstance(self.fps, (int, float)) and self.fps > 0 and math.isfinite(self.fps)):
            raise ValueError(f"fps must be positive, got {self.fps!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")


def _check(value: float, name: str, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {value:g}")
