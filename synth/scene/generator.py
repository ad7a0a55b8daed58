"""``generate_scene(cfg)``: the frames of a synthetic scene with exact ground truth, one by one.

The world is built when ``generate_scene`` is called (so configuration
errors surface at once); frames are rendered lazily as the iterator is
consumed. Same config (seed included) -> byte-identical frames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

from core.geometry import apply_homography
from streams.frames import FramePair
from synth.scene.config import SceneConfig
from synth.scene.events import Dropouts, frame_events
from synth.scene.render import SceneRenderer
from synth.scene.sensor import VisibleSensor
from synth.scene.thermal import ThermalSensor, crossover_weight
from synth.scene.world import FRAMES, THERMAL_SENSOR, VISIBLE_SENSOR, World, build_world, stream


@dataclass(frozen=True, eq=False)
class SynthFrame:
    """One generated frame pair and the truth about it.

    ``box_visible``/``box_infrared`` are xywh in each image (NaN when the
    target is fully outside that frame); they differ only when the IR stream
    is misaligned. ``events`` is the per-frame record also written to
    meta.json (occlusion, out_of_view, crossover, dropouts, ...).
    """

    frame: FramePair
    box_visible: np.ndarray
    box_infrared: np.ndarray
    events: dict


def outline_box(points: np.ndarray | None, width: int, height: int) -> np.ndarray:
    """Axis-aligned box of ``points`` clipped to the image; NaN when it lies fully outside."""
    if points is None or len(points) == 0:
        return np.full(4, np.nan)
    x0, y0 = max(float(points[:, 0].min()), 0.0), max(float(points[:, 1].min()), 0.0)
    x1, y1 = min(float(points[:, 0].max()), float(width)), min(float(points[:, 1].max()), float(height))
    if x1 <= x0 or y1 <= y0:
        return np.full(4, np.nan)
    return np.array([x0, y0, x1 - x0, y1 - y0])


def generate_scene(cfg: SceneConfig) -> Iterator[SynthFrame]:
    """Build the scene of ``cfg`` and return an iterator over its ``cfg.frames`` frames."""
    world = build_world(cfg)
    return _frames(world)


def _frames(world: World) -> Iterator[SynthFrame]:
    cfg = world.cfg
    renderer = SceneRenderer(world)
    vis_sensor = VisibleSensor(cfg, world.light, stream(cfg, VISIBLE_SENSOR))
    ir_sensor = ThermalSensor(cfg, stream(cfg, THERMAL_SENSOR))
    dropouts = Dropouts(cfg)
    hom = world.homography
    hom_index = None
    if hom is not None:
        shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]], np.float64)
        hom_index = np.linalg.inv(shift) @ hom @ shift
    size = (cfg.width, cfg.height)
    for i in range(cfg.frames):
        t = i / cfg.fps
        r = renderer.render(i)
        frame_rng = np.random.default_rng([cfg.seed, FRAMES, i])
        visible = vis_sensor.render(r.rgbt, frame_rng)
        scene_ir = r.temp
        if hom_index is not None:
            scene_ir = cv2.warpPerspective(r.temp, hom_index, size, flags=cv2.INTER_LINEAR,
                                           borderMode=cv2.BORDER_REFLECT_101)
        infrared = ir_sensor.render(scene_ir, frame_rng, t)
        box_v = outline_box(r.target_outline, cfg.width, cfg.height)
        if hom is not None and r.target_outline is not None:
            box_i = outline_box(apply_homography(hom, r.target_outline), cfg.width, cfg.height)
        else:
            box_i = box_v.copy()
        visible, drop_v = dropouts.apply("visible", i, visible)
        infrared, drop_i = dropouts.apply("infrared", i, infrared)
        cam = world.camera
        camera = {"x": round(float(cam.cx[i]), 2), "y": round(float(cam.cy[i]), 2),
                  "scale": round(float(cam.scale[i]), 5), "roll_deg": round(math.degrees(float(cam.angle[i])), 4)}
        events = frame_events(cfg, i, box_v, box_i, r.in_frame, r.occlusion, crossover_weight(cfg, t), drop_v,
                              drop_i, r.blur_px, camera, r.distractor_distance)
        yield SynthFrame(FramePair(i, visible, infrared, t, t), box_v, box_i, events)
