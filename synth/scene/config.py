"""The frozen configuration of one synthetic visible/IR scene, and its validation.

Times of events (crossover, out-of-view, dropouts, occlusion) are fractions
of the sequence (0 = first frame, 1 = end), so a preset keeps its story when
``frames`` or ``fps`` change. Pixel amplitudes are output pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

LIGHTINGS = ("day", "dusk", "night")
POLARITIES = ("white-hot", "black-hot")
TARGET_CLASSES = ("person", "vehicle")
OCCLUDERS = ("none", "pillar", "tree", "vehicle")
DROPOUT_KINDS = ("missing", "black", "frozen")
MODALITIES = ("visible", "infrared")


@dataclass(frozen=True)
class DropoutSpec:
    """One dropout: frames ``start <= i/frames < end`` of ``modality`` are ``kind``."""

    modality: str
    kind: str
    start: float
    end: float

    def covers(self, index: int, frames: int) -> bool:
        return self.start <= index / frames < self.end


def parse_dropout(text: str, where: str = "dropouts") -> DropoutSpec:
    """``"MODALITY:KIND:START:END"`` (e.g. ``"visible:black:0.2:0.3"``) as a :class:`DropoutSpec`."""
    parts = [p.strip() for p in str(text).split(":")]
    if len(parts) != 4:
        raise ValueError(f"{where}: '{text}' is not MODALITY:KIND:START:END (e.g. visible:black:0.2:0.3)")
    modality, kind, start, end = parts
    if modality not in MODALITIES:
        raise ValueError(f"{where}: '{text}': modality must be one of {', '.join(MODALITIES)}")
    if kind not in DROPOUT_KINDS:
        raise ValueError(f"{where}: '{text}': kind must be one of {', '.join(DROPOUT_KINDS)}")
    try:
        a, b = float(start), float(end)
    except ValueError:
        raise ValueError(f"{where}: '{text}': START and END must be numbers") from None
    if not (0.0 <= a < b <= 1.0):
        raise ValueError(f"{where}: '{text}': need 0 <= START < END <= 1 (fractions of the sequence)")
    return DropoutSpec(modality, kind, a, b)


@dataclass(frozen=True)
class SceneConfig:
    """Every knob of one synthetic sequence (see docs/SYNTH.md).

    Windows ``(start, end)`` are fractions of the sequence; ``(0, 0)`` means
    none. Dropouts are strings ``"MODALITY:KIND:START:END"`` with KIND one of
    missing (frame is ``None``), black (all zeros) or frozen (the previous
    frame repeated). The IR stream is misaligned when any ``ir_*`` field
    differs from identity; its ground truth then differs from the visible one.
    Noise, fixed-pattern and vignetting fields are multipliers of the
    lighting's defaults (0 turns the effect off).
    """

    seed: int = 0
    width: int = 640
    height: int = 512
    frames: int = 300
    fps: float = 30.0
    lighting: str = "dusk"  # day | dusk | night
    polarity: str = "white-hot"  # white-hot | black-hot
    target_class: str = "person"  # person | vehicle
    target_speed: float = 0.0  # m/s; 0 = class default (person 1.35, vehicle 7)
    n_people: int = 5  # background pedestrians (not look-alikes)
    n_vehicles: int = 3  # background vehicles
    n_distractors: int = 1  # look-alikes of the target that cross its path
    occlusion: str = "pillar"  # none | pillar | tree | vehicle: what the target passes behind
    occlusion_at: float = 0.45  # when the target is behind the occluder
    out_of_view: tuple[float, float] = (0.0, 0.0)  # the target is outside the frame in this window
    crossover: tuple[float, float] = (0.0, 0.0)  # target temperature ~ background temperature here
    crossover_strength: float = 0.95  # 1 = exactly the background temperature at the window's peak
    camera_pan: float = 30.0  # px, amplitude of a slow horizontal pan
    camera_zoom: float = 0.04  # relative zoom-in amplitude
    camera_shake: float = 0.8  # px, hand-held shake
    camera_roll: float = 0.15  # degrees of roll shake
    motion_blur: bool = True
    dropouts: tuple[str, ...] = ()
    ir_shift: tuple[float, float] = (0.0, 0.0)  # px, IR image offset from the visible one
    ir_rotation: float = 0.0  # degrees
    ir_scale: float = 1.0
    ir_perspective: float = 0.0  # keystone: relative scale change from the left to the right edge
    visible_noise: float = 1.0
    thermal_noise: float = 1.0
    fixed_pattern: float = 1.0
    vignetting: float = 1.0

    def __post_init__(self) -> None:
        for name in ("out_of_view", "crossover", "ir_shift"):
            value = getattr(self, name)
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise ValueError(f"{name}: expected two numbers, got {value!r}")
            object.__setattr__(self, name, (float(value[0]), float(value[1])))
        if isinstance(self.dropouts, str):
            object.__setattr__(self, "dropouts", (self.dropouts,))
        object.__setattr__(self, "dropouts", tuple(str(d) for d in self.dropouts))
        _validate(self)

    @property
    def duration(self) -> float:
        """Length of the sequence in seconds."""
        return self.frames / self.fps

    @property
    def misaligned(self) -> bool:
        """True when the IR stream is rendered through a non-identity homography."""
        return (self.ir_shift != (0.0, 0.0) or self.ir_rotation != 0.0 or self.ir_scale != 1.0
                or self.ir_perspective != 0.0)

    def dropout_specs(self) -> tuple[DropoutSpec, ...]:
        return tuple(parse_dropout(d, f"dropouts[{i}]") for i, d in enumerate(self.dropouts))


def _window(cfg: SceneConfig, name: str) -> None:
    a, b = getattr(cfg, name)
    if (a, b) != (0.0, 0.0) and not (0.0 <= a < b <= 1.0):
        raise ValueError(f"{name}: need 0 <= start < end <= 1 (fractions of the sequence), got ({a:g}, {b:g})")


def _choice(cfg: SceneConfig, name: str, options: tuple[str, ...]) -> None:
    if getattr(cfg, name) not in options:
        raise ValueError(f"{name}: '{getattr(cfg, name)}' is not one of {', '.join(options)}")


def _at_least(cfg: SceneConfig, name: str, low: float) -> None:
    value = getattr(cfg, name)
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= low):
        raise ValueError(f"{name}: must be a number >= {low:g}, got {value!r}")


def _validate(cfg: SceneConfig) -> None:
    for name in ("width", "height"):
        value = getattr(cfg, name)
        if not isinstance(value, int) or not 64 <= value <= 4096:
            raise ValueError(f"{name}: must be an integer from 64 to 4096, got {value!r}")
    if not isinstance(cfg.frames, int) or cfg.frames < 1:
        raise ValueError(f"frames: must be a positive integer, got {cfg.frames!r}")
    if not isinstance(cfg.seed, int) or cfg.seed < 0:
        raise ValueError(f"seed: must be a non-negative integer, got {cfg.seed!r}")
    if not (isinstance(cfg.fps, (int, float)) and 1.0 <= cfg.fps <= 240.0):
        raise ValueError(f"fps: must be from 1 to 240, got {cfg.fps!r}")
    _choice(cfg, "lighting", LIGHTINGS)
    _choice(cfg, "polarity", POLARITIES)
    _choice(cfg, "target_class", TARGET_CLASSES)
    _choice(cfg, "occlusion", OCCLUDERS)
    for name in ("n_people", "n_vehicles", "n_distractors"):
        value = getattr(cfg, name)
        if not isinstance(value, int) or not 0 <= value <= 40:
            raise ValueError(f"{name}: must be an integer from 0 to 40, got {value!r}")
    for name in ("target_speed", "camera_pan", "camera_zoom", "camera_shake", "camera_roll", "visible_noise",
                 "thermal_noise", "fixed_pattern", "vignetting"):
        _at_least(cfg, name, 0.0)
    if cfg.target_speed > 30:
        raise ValueError(f"target_speed: at most 30 m/s, got {cfg.target_speed:g}")
    if cfg.camera_zoom > 0.5:
        raise ValueError(f"camera_zoom: at most 0.5 (relative), got {cfg.camera_zoom:g}")
    if cfg.camera_roll > 10:
        raise ValueError(f"camera_roll: at most 10 degrees, got {cfg.camera_roll:g}")
    if not 0.0 <= cfg.occlusion_at <= 1.0:
        raise ValueError(f"occlusion_at: must be a fraction of the sequence in [0, 1], got {cfg.occlusion_at:g}")
    if not 0.0 <= cfg.crossover_strength <= 1.0:
        raise ValueError(f"crossover_strength: must be in [0, 1], got {cfg.crossover_strength:g}")
    _window(cfg, "out_of_view")
    _window(cfg, "crossover")
    a, b = cfg.out_of_view
    if (a, b) != (0.0, 0.0) and cfg.occlusion != "none" and a - 0.05 <= cfg.occlusion_at <= b + 0.05:
        raise ValueError(f"occlusion_at: {cfg.occlusion_at:g} falls in the out_of_view window ({a:g}, {b:g}); "
                         "the target cannot be occluded while it is out of view")
    if not 0.5 <= cfg.ir_scale <= 2.0:
        raise ValueError(f"ir_scale: must be from 0.5 to 2, got {cfg.ir_scale:g}")
    if abs(cfg.ir_rotation) > 20:
        raise ValueError(f"ir_rotation: at most 20 degrees, got {cfg.ir_rotation:g}")
    if abs(cfg.ir_perspective) > 0.3:
        raise ValueError(f"ir_perspective: at most 0.3, got {cfg.ir_perspective:g}")
    for i, text in enumerate(cfg.dropouts):
        parse_dropout(text, f"dropouts[{i}]")
