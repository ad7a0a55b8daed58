"""What the user opened, as plain data: saved in sessions and the recent list, opened by the engine."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import cv2

from core.config import config_from_mapping
from streams.sources import PairSource

KINDS = ("demo", "sequence", "pair", "cameras")


@dataclass(frozen=True)
class SourceSpec:
    """One source: ``kind`` is demo, sequence (a dataset folder), pair (two videos or two folders) or cameras.

    ``path`` is the sequence folder; ``visible``/``infrared`` the two inputs of
    a pair or the two camera specs (index or URL; either may be empty for one
    camera); ``thermal`` marks a single camera as infrared. ``calibration`` is
    an optional IR-to-visible homography JSON; ``allow_length_mismatch`` cuts
    two streams of different lengths to the shorter one.
    """

    kind: str
    path: str = ""
    visible: str = ""
    infrared: str = ""
    calibration: str = ""
    fps: float = 0.0
    allow_length_mismatch: bool = False
    thermal: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: '{self.kind}' is not one of {', '.join(KINDS)}")
        if self.kind == "sequence" and not self.path:
            raise ValueError("path: a sequence source needs its folder")
        if self.kind == "pair" and not (self.visible and self.infrared):
            raise ValueError("visible/infrared: a pair source needs both inputs")
        if self.kind == "cameras" and not (self.visible or self.infrared):
            raise ValueError("visible/infrared: give at least one camera")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "source") -> "SourceSpec":
        """Build from a JSON mapping; unknown keys and bad values raise ConfigError naming ``source``."""
        return config_from_mapping(cls, data, source=source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def live(self) -> bool:
        return self.kind == "cameras"

    def label(self) -> str:
        """A short human name for menus and the title bar."""
        if self.kind == "demo":
            return "Built-in synthetic demo"
        if self.kind == "sequence":
            return f"Sequence {Path(self.path).name}"
        if self.kind == "pair":
            return f"{Path(self.visible).name} + {Path(self.infrared).name}"
        cams = [c for c in (self.visible, self.infrared) if c]
        return "Camera " + " + ".join(cams) + (" (thermal)" if self.thermal else "")

    def open(self, capture_factory: Callable[..., Any] = cv2.VideoCapture,
             demo_opener: Callable[[], PairSource] | None = None) -> PairSource:
        """Open the source (raises InputError/SourceError/ConfigError naming the input at fault)."""
        from streams.open import open_cameras, open_pair, open_sequence

        fps = self.fps or None
        calibration = self.calibration or None
        if self.kind == "demo":
            if demo_opener is None:
                from app.demo_source import open_demo

                return open_demo()
            return demo_opener()
        if self.kind == "sequence":
            source = open_sequence(self.path, fps=fps, allow_length_mismatch=self.allow_length_mismatch)
            if calibration:
                from streams.calibration import load_calibration

                source.calibration = load_calibration(calibration)
            return source
        if self.kind == "pair":
            return open_pair(self.visible, self.infrared, fps=fps, allow_length_mismatch=self.allow_length_mismatch,
                             calibration=calibration, capture_factory=capture_factory)
        return open_cameras(self.visible or None, self.infrared or None, thermal=self.thermal,
                            calibration=calibration, capture_factory=capture_factory)

