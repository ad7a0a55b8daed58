"""Named scene configurations, and loading a preset with overrides (unknown keys are rejected).

``demo`` is the built-in demo: a 10 s dusk street at 640x512 with a person
target in a vivid jacket who walks behind an advertising pillar, crosses a
look-alike, under a gently panning camera. The others each stress one
effect: lighting (day, dusk, night), thermal crossover, dropouts in both
streams, a misaligned IR camera, and the target leaving and re-entering.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from core.config import config_from_mapping
from core.errors import ConfigError
from synth.scene.config import SceneConfig

DEMO = SceneConfig(seed=7, lighting="dusk", target_class="person", frames=300, fps=30.0, occlusion="pillar",
                   occlusion_at=0.45, n_distractors=1, n_people=5, n_vehicles=3, camera_pan=24.0,
                   camera_zoom=0.04, camera_shake=0.6, camera_roll=0.1)

PRESETS: dict[str, SceneConfig] = {
    "demo": DEMO,
    "day": dataclasses.replace(DEMO, seed=11, lighting="day", target_class="vehicle", occlusion="vehicle",
                               occlusion_at=0.5, n_vehicles=3, n_people=6),
    "dusk": dataclasses.replace(DEMO, seed=3, occlusion="tree", occlusion_at=0.6, n_distractors=2),
    "night": dataclasses.replace(DEMO, seed=5, lighting="night", occlusion="pillar", occlusion_at=0.55,
                                 n_vehicles=4),
    "crossover": dataclasses.replace(DEMO, seed=21, lighting="dusk", crossover=(0.3, 0.75), occlusion="none",
                                     n_distractors=1),
    "dropout": dataclasses.replace(DEMO, seed=31, lighting="day", dropouts=(
        "visible:black:0.20:0.26", "visible:missing:0.50:0.55", "infrared:frozen:0.33:0.42",
        "infrared:missing:0.70:0.75", "infrared:black:0.86:0.89")),
    "misaligned": dataclasses.replace(DEMO, seed=41, lighting="night", ir_shift=(14.0, -9.0), ir_rotation=1.5,
                                      ir_scale=1.04, ir_perspective=0.03),
    "leave-reenter": dataclasses.replace(DEMO, seed=51, lighting="day", out_of_view=(0.35, 0.6), occlusion="tree",
                                         occlusion_at=0.75, n_distractors=1),
}


def scene_config(preset: str = "demo", overrides: Mapping[str, Any] | None = None,
                 source: str = "scene config") -> SceneConfig:
    """``PRESETS[preset]`` with ``overrides`` applied; unknown presets, keys and bad values raise ConfigError."""
    if preset not in PRESETS:
        raise ConfigError(f"preset: unknown preset '{preset}' (known: {', '.join(PRESETS)})")
    data = dataclasses.asdict(PRESETS[preset])
    data.update(overrides or {})
    return config_from_mapping(SceneConfig, data, source=source)
