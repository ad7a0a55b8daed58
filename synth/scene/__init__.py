"""Synthetic visible/IR road scenes with exact ground truth (NumPy + OpenCV only).

``generate_scene(cfg)`` yields :class:`SynthFrame` s (a ``FramePair``, the
target's visible and IR boxes, and the frame's events); ``write_scene`` writes
them in the VOT layout. ``PRESETS`` holds named configs ("demo", "day",
"dusk", "night", "crossover", "dropout", "misaligned", "leave-reenter");
``scene_config(name, overrides)`` loads one with overrides. See docs/SYNTH.md.
"""
from synth.scene.config import SceneConfig
from synth.scene.generator import SynthFrame, generate_scene
from synth.scene.presets import PRESETS, scene_config
from synth.scene.world import ir_homography
from synth.scene.writer import SceneSequenceWriter, write_scene

__all__ = ["PRESETS", "SceneConfig", "SceneSequenceWriter", "SynthFrame", "generate_scene", "ir_homography",
           "scene_config", "write_scene"]
