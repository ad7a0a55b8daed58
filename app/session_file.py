"""Session files: the source, target box, mode, weights and calibration as JSON, to reopen later.

Format (``.htsession.json``)::

    {"format": "heterotrack-session", "version": 1,
     "source": {"kind": "sequence", "path": "/data/seq1", ...},   # app.sources.SourceSpec fields
     "calibration": "/data/rig.json" | null,
     "box": [x, y, w, h] | null, "box_modality": "visible", "frame": 0,
     "mode": "fused", "weights": "/models/matcher.safetensors" | null,
     "realtime": false, "speed": 1.0}

Relative paths are resolved against the session file's folder. Unknown
keys, a bad box or mode raise :class:`core.errors.ConfigError` naming the
file and the key.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.sources import SourceSpec
from core.config import config_from_mapping
from core.errors import ConfigError, HeteroTrackError
from core.geometry import validate_box
from tracker.config import MODES

FORMAT = "heterotrack-session"
VERSION = 1
SUFFIX = ".htsession.json"


@dataclass(frozen=True)
class _SessionData:
    format: str = FORMAT
    version: int = VERSION
    source: dict | None = None
    calibration: str | None = None
    box: tuple | None = None
    box_modality: str = "visible"
    frame: int = 0
    mode: str = "fused"
    weights: str | None = None
    realtime: bool = False
    speed: float = 1.0


@dataclass(frozen=True)
class Session:
    """A saved session; ``source.calibration`` carries the calibration file."""

    source: SourceSpec
    box: tuple[float, float, float, float] | None = None
    box_modality: str = "visible"
    frame: int = 0
    mode: str = "fused"
    weights: str | None = None
    realtime: bool = False
    speed: float = 1.0

    def to_json(self) -> dict[str, Any]:
        source = self.source.to_dict()
        calibration = source.pop("calibration") or None
        return {"format": FORMAT, "version": VERSION, "source": source, "calibration": calibration,
                "box": None if self.box is None else [round(float(v), 3) for v in self.box],
                "box_modality": self.box_modality, "frame": int(self.frame), "mode": self.mode,
                "weights": self.weights, "realtime": bool(self.realtime), "speed": float(self.speed)}


def save_session(session: Session, path: str | Path) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(session.to_json(), indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the session file ({exc.strerror})") from None
    return path


def _resolve(value: str, base: Path) -> str:
    if not value or "://" in value or value.isdigit():
        return value
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p))


def load_session(path: str | Path) -> Session:
    """Read a session file (schema in the module docstring)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: session file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the session file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    raw = config_from_mapping(_SessionData, data, source=str(path))
    if raw.format != FORMAT:
        raise ConfigError(f"{path}: format: expected '{FORMAT}', got '{raw.format}'")
    if raw.version != VERSION:
        raise ConfigError(f"{path}: version: this HeteroTrack reads version {VERSION}, got {raw.version}")
    if raw.source is None:
        raise ConfigError(f"{path}: source: missing")
    if raw.mode not in MODES:
        raise ConfigError(f"{path}: mode: '{raw.mode}' is not one of {', '.join(MODES)}")
    if raw.box_modality not in ("visible", "infrared"):
        raise ConfigError(f"{path}: box_modality: '{raw.box_modality}' is not visible or infrared")
    base = path.resolve().parent
    spec = SourceSpec.from_dict(raw.source, source=f"{path}: source")
    spec = dataclasses.replace(spec, path=_resolve(spec.path, base),
                               visible=_resolve(spec.visible, base) if spec.kind == "pair" else spec.visible,
                               infrared=_resolve(spec.infrared, base) if spec.kind == "pair" else spec.infrared,
                               calibration=_resolve(raw.calibration or "", base))
    box = None
    if raw.box is not None:
        try:
            box = validate_box(raw.box, f"{path}: box")
        except HeteroTrackError as exc:
            raise ConfigError(str(exc)) from None
    weights = _resolve(raw.weights, base) if raw.weights else None
    return Session(spec, box, raw.box_modality, int(raw.frame), raw.mode, weights, bool(raw.realtime), float(raw.speed))
