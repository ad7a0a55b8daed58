"""Build a whole scene from a config: canvas, camera, the target's planned story, traffic, crowd and props.

Each concern draws from its own random stream (``np.random.default_rng([seed,
k])``), so the same config and seed always build the same world.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError
from synth.scene import ground as g
from synth.scene import looks as lk
from synth.scene.actors import Actor, make_texture
from synth.scene.background import Background, build_background
from synth.scene.camera import CameraPath, build_camera
from synth.scene.canvas import periodic_step
from synth.scene.config import SceneConfig
from synth.scene.lighting import PROFILES, Lamp, Lighting
from synth.scene.motion import Path, PlanLimits, plan_target
from synth.scene.props import LAMP_HEIGHT, Prop, make_prop

LAYOUT, ACTORS, CAMERA, BACKGROUND, VISIBLE_SENSOR, THERMAL_SENSOR, FRAMES, PROPS, LOOKS = range(9)
PERSON_SPEED = 1.35  # m/s
VEHICLE_SPEED = 7.0
MAX_VEHICLE = 8.2  # metres, longest vehicle a lane slot must hold
VEHICLE_LOOP, PEOPLE_LOOP = 3, 2  # lap lengths of background traffic and crowd, in canvas widths
OCCLUDER_HALF_WIDTH = {"pillar": 0.7, "tree": 0.3}  # metres, static occluders on the near curb


def stream(cfg: SceneConfig, k: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, k])


@dataclass
class World:
    cfg: SceneConfig
    light: Lighting
    ground: g.Ground
    background: Background
    props: list[Prop]
    actors: list[Actor]
    camera: CameraPath
    target: Actor
    canvas_width: int
    lap_variation: bool
    homography: np.ndarray | None


def ir_homography(cfg: SceneConfig) -> np.ndarray | None:
    """3x3 map from visible to IR image coordinates (continuous convention), or None when aligned."""
    if not cfg.misaligned:
        return None
    cx, cy = cfg.width / 2, cfg.height / 2
    a = math.radians(cfg.ir_rotation)
    s = cfg.ir_scale
    core = np.array([[s * math.cos(a), -s * math.sin(a), 0.0], [s * math.sin(a), s * math.cos(a), 0.0],
                     [cfg.ir_perspective / cfg.width, 0.0, 1.0]])
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    back = np.array([[1, 0, cx + cfg.ir_shift[0]], [0, 1, cy + cfg.ir_shift[1]], [0, 0, 1]], np.float64)
    return back @ core @ to_centre


def build_world(cfg: SceneConfig) -> World:
    light = PROFILES[cfg.lighting]
    w, h = cfg.width, cfg.height
    person = cfg.target_class == "person"
    margin_y = int(math.ceil(0.25 * cfg.camera_pan + cfg.camera_shake + 0.03 * h
                             + 0.5 * w * math.sin(math.radians(cfg.camera_roll)) + 8))
    ground = g.Ground(view_height=h, top=float(margin_y))
    canvas_h = h + 2 * margin_y
    if person:
        z_t, lane_dir, speed = g.TARGET_WALK_Z, 1, cfg.target_speed or PERSON_SPEED
    else:
        (z_t, lane_dir), speed = g.LANES["far"], cfg.target_speed or VEHICLE_SPEED
    ppm_t = ground.ppm(z_t)
    base_speed = 0.0 if person else lane_dir * speed * ppm_t
    rel_speed = speed * ppm_t if person else min(1.5, 0.3 * speed) * ppm_t
    travel = abs(base_speed) * cfg.duration
    coverage = travel + w / (1.0) + 2 * (cfg.camera_pan + cfg.camera_shake) + 0.1 * w
    canvas_w = int(math.ceil(max(3.0 * w, coverage + 2.5 * w) / 8) * 8)
    canvas_w = min(canvas_w, 10 * w)
    lap_variation = coverage + 2 * MAX_VEHICLE * ground.ppm(g.LANES["near"][0]) < canvas_w
    times = np.arange(cfg.frames) / cfg.fps
    base0 = canvas_w / 2
    camera = build_camera(cfg, base0 + base_speed * times, ground.top + h / 2, stream(cfg, CAMERA))

    looks_rng = stream(cfg, LOOKS)
    target_look = lk.sample_person(looks_rng, vivid=True) if person else lk.sample_vehicle(
        looks_rng, kind=("sedan", "hatch", "suv")[int(looks_rng.integers(3))], vivid=True)
    limits = _limits(cfg, camera, base0 + base_speed * times, target_look.half_width * ppm_t)
    oov = None
    if cfg.out_of_view != (0.0, 0.0):
        oov = (cfg.out_of_view[0] * cfg.duration, cfg.out_of_view[1] * cfg.duration)
    ppm = ground.ppm
    t_occ = cfg.occlusion_at * cfg.duration
    # the static occluder must not hide the target at the start: re-plan until it is clear
    clear = (OCCLUDER_HALF_WIDTH.get(cfg.occlusion, 0.0) * ppm(g.PROP_Z) + target_look.half_width * ppm_t
             + 0.03 * w)
    layout_rng = stream(cfg, LAYOUT)
    best: tuple[float, Path] | None = None
    for _ in range(24):
        tk, uk = _plan(cfg, rel_speed, limits, layout_rng, oov, (t_occ - 1.5, t_occ + 1.5))
        path = Path.from_keys(tk, base0 + base_speed * tk + uk, np.full(len(tk), z_t), ppm)
        score = _hidden_share(cfg, path, t_occ, clear) if cfg.occlusion in OCCLUDER_HALF_WIDTH else 0.0
        if best is None or score < best[0]:
            best = (score, path)
        if score == 0.0:
            break
    path = best[1]
    target = Actor(0, cfg.target_class, "target", path, target_look)
    rng = stream(cfg, ACTORS)
    target.texture = make_texture(rng, target.kind)
    actors: list[Actor] = [target]
    lanes: dict[str, list[float]] = {"near": [], "far": []}  # occupied x (canvas, t = 0) per lane
    lane_speed = {"near": rng.uniform(7.0, 10.0), "far": rng.uniform(7.0, 10.0)}
    if not person:
        lane_speed["far"] = speed  # (the far lane is kept free of other traffic)
    props: list[Prop] = []
    prop_rng = stream(cfg, PROPS)
    x_occ = target.path.x_at(t_occ)
    if cfg.occlusion in ("pillar", "tree"):
        # a short sequence may not let the target walk clear of the occluder: then it only starts to pass
        # behind it at occlusion_at (the occluder moved ahead along its way)
        gap = abs(target.path.x_at(0.0) - x_occ)
        if gap <= clear:
            ahead = np.sign(target.path.velocity(t_occ)) or np.sign(x_occ - target.path.x_at(0.0)) or 1.0
            x_occ += float(ahead) * (clear - gap + 1.0)
        props.append(make_prop(cfg.occlusion, x_occ, g.PROP_Z, ground.ppm(g.PROP_Z), light, prop_rng))
    elif cfg.occlusion == "vehicle":
        z_n = g.LANES["near"][0]
        v = lane_speed["near"] * ground.ppm(z_n)
        truck = Actor(len(actors), "vehicle", "occluder", Path.straight(x_occ, z_n, v, cfg.duration, ppm, t_occ),
                      lk.sample_vehicle(rng, kind="truck"))
        truck.texture = make_texture(rng, "vehicle")
        actors.append(truck)
        lanes["near"].append(truck.path.x_at(0.0))
    _distractors(cfg, ground, target, actors, lanes, lane_speed, rng, oov)
    start = _StartClear(target, ground, canvas_w)
    _traffic(cfg, ground, actors, lanes, lane_speed, canvas_w, rng, lap_variation, person, target_look, start)
    _crowd(cfg, ground, actors, canvas_w, rng, lap_variation, person, target_look, start)
    span = (float(target.path.x.min()), float(target.path.x.max())) if person else None
    near_lamps = _street_furniture(ground, light, props, canvas_w, prop_rng, x_occ if cfg.occlusion in
                                   ("pillar", "tree") else None, span)
    glows = [(p.x - p.sprite.ax, ground.row(p.z) - p.sprite.ay, p.sprite.glow) for p in props
             if p.sprite.glow is not None]
    background = build_background(ground, light, stream(cfg, BACKGROUND), canvas_w, canvas_h, near_lamps, glows)
    props = [dataclasses.replace(p, sprite=dataclasses.replace(p.sprite, glow=None)) for p in props]
    return World(cfg, light, ground, background, props, actors, camera, target, canvas_w, lap_variation,
                 ir_homography(cfg))


def _hidden_share(cfg: SceneConfig, path: Path, t_occ: float, clear: float) -> float:
    """Share of the sequence the target spends behind a static occluder placed where it is at ``t_occ``,
    outside the planned pass (a start behind it counts double): lower is a cleaner story."""
    x_occ = path.x_at(t_occ)
    times = np.linspace(0.0, cfg.duration, 200)
    xs = np.interp(times, path.t, path.x)
    behind = np.abs(xs - x_occ) < clear
    # the planned pass: the contiguous run of 'behind' samples around t_occ
    k = int(np.argmin(np.abs(times - t_occ)))
    lo, hi = k, k
    while lo > 0 and behind[lo - 1]:
        lo -= 1
    while hi < len(times) - 1 and behind[hi + 1]:
        hi += 1
    behind[lo:hi + 1] = False
    return float(behind.mean()) + (1.0 if abs(xs[0] - x_occ) < clear else 0.0)


def _plan(cfg: SceneConfig, speed: float, limits: PlanLimits, rng: np.random.Generator,
          oov: tuple[float, float] | None, busy: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The target's relative plan; to leave the view early in a short sequence it may hurry (up to 3x)."""
    for hurry in (1.0, 1.5, 2.0, 3.0):
        try:
            return plan_target(cfg.duration, speed * hurry, limits, rng, oov,
                               busy if cfg.occlusion != "none" else None)
        except ValueError as exc:
            reason = str(exc)
    raise ConfigError(f"out_of_view: {reason}; start the window later (or use more frames)")


def _limits(cfg: SceneConfig, camera: CameraPath, base: np.ndarray, half_w: float) -> PlanLimits:
    lefts, rights = [], []
    for i in range(cfg.frames):
        hw, _ = camera.half_extent(i)
        lefts.append(camera.cx[i] - base[i] - hw)
        rights.append(camera.cx[i] - base[i] + hw)
    lefts, rights = np.asarray(lefts), np.asarray(rights)
    margin = 0.05 * cfg.width
    lo, hi = lefts.max() + half_w + margin, rights.min() - half_w - margin
    if hi - lo < 0.1 * cfg.width:
        raise ConfigError(f"camera_pan: the view moves or zooms so much ({cfg.camera_pan:g} px pan, "
                          f"{cfg.camera_zoom:g} zoom) that the target cannot stay in it; lower camera_pan/camera_zoom")
    a, b = cfg.out_of_view
    sel = slice(int(a * cfg.frames), max(int(a * cfg.frames) + 1, int(math.ceil(b * cfg.frames))))
    exit_left = lefts[sel].min() - half_w - 2.0
    exit_right = rights[sel].max() + half_w + 2.0
    return PlanLimits(float(lo), float(hi), float(exit_left), float(exit_right))


def _cross_times(cfg: SceneConfig, rng: np.random.Generator, oov: tuple[float, float] | None) -> list[float]:
    """When each distractor meets the target: spread out, away from the occlusion and the out-of-view window."""
    n = cfg.n_distractors
    T = cfg.duration
    blocked = [(cfg.occlusion_at * T - 0.1 * T, cfg.occlusion_at * T + 0.1 * T)] if cfg.occlusion != "none" else []
    if oov:
        blocked.append((oov[0] - 0.08 * T, oov[1] + 0.08 * T))
    candidates = np.linspace(0.2, 0.9, 36) * T
    free = [t for t in candidates if not any(a <= t <= b for a, b in blocked)] or list(candidates)
    out = []
    for k in range(n):
        idx = int(round((k + 0.5) / n * len(free) - 0.5))
        out.append(float(free[min(max(idx, 0), len(free) - 1)] + rng.uniform(-0.02, 0.02) * T))
    return out


def _lane_free(lanes: list[float], x: float, canvas_w: int, ppm: float) -> bool:
    gap = (MAX_VEHICLE + 4.0) * ppm
    return all(abs((x - o + canvas_w / 2) % canvas_w - canvas_w / 2) >= gap for o in lanes)


def _distractors(cfg, ground, target: Actor, actors, lanes, lane_speed, rng, oov) -> None:
    ppm = ground.ppm
    for t_cross in _cross_times(cfg, rng, oov):
        x_cross = target.path.x_at(t_cross)
        if cfg.target_class == "person":
            z = target.path.z_at(t_cross) + (0.85 if rng.random() < 0.5 else -0.6)
            heading = -np.sign(target.path.velocity(t_cross)) or (1 if rng.random() < 0.5 else -1)
            v = heading * rng.uniform(1.1, 1.5) * ppm(z)
            look = lk.person_lookalike(rng, target.look)
        else:
            z, heading = g.LANES["near"]
            v = heading * lane_speed["near"] * ppm(z)
            look = lk.vehicle_lookalike(rng, target.look)
        actor = Actor(len(actors), cfg.target_class, "distractor", Path.straight(x_cross, z, v, cfg.duration, ppm,
                                                                                   t_cross), look)
        actor.texture = make_texture(rng, actor.kind)
        actors.append(actor)
        if cfg.target_class == "vehicle":
            lanes["near"].append(actor.path.x_at(0.0))


@dataclass(frozen=True)
class _StartClear:
    """Checks that a looping actor nearer than the target does not stand in front of it in the first frame."""

    target: Actor
    ground: g.Ground
    canvas_w: int

    def ok(self, x0: float, z: float, half_width_m: float) -> bool:
        if z >= self.target.path.z_at(0.0):
            return True  # behind the target: it cannot hide it
        xt = self.target.path.x_at(0.0)
        reach = half_width_m * self.ground.ppm(z) + self.target.half_width() * self.ground.ppm(
            self.target.path.z_at(0.0)) + 4.0
        return abs((x0 - xt + self.canvas_w / 2) % self.canvas_w - self.canvas_w / 2) > reach


def _traffic(cfg, ground, actors, lanes, lane_speed, canvas_w, rng, lap_variation, person, target_look,
             start: _StartClear) -> None:
    # a walking target is mostly hidden by far-lane cars (they pass right in front of the far sidewalk),
    # so most traffic takes the near lane; a driving target keeps its own (far) lane to itself
    names = ["near", "near", "far"] if person else ["near"]
    avoid = None if person else target_look.paint
    periods = VEHICLE_LOOP if lap_variation else 1
    for k in range(cfg.n_vehicles):
        lane = names[k % len(names)]
        z, heading = g.LANES[lane]
        p = ground.ppm(z)
        for _ in range(60):
            x0 = rng.uniform(0, canvas_w * periods)
            if _lane_free(lanes[lane], x0, canvas_w, p) and (x0 >= canvas_w or start.ok(x0, z, MAX_VEHICLE / 2)):
                break
        else:
            continue
        lanes[lane].append(x0)
        look = lk.sample_vehicle(rng, avoid=avoid)
        actor = Actor(len(actors), "vehicle", "background",
                      Path.straight(x0, z, heading * lane_speed[lane] * p, cfg.duration, ground.ppm), look,
                      looping=True, loop_periods=periods, lap_seed=cfg.seed if lap_variation else None,
                      avoid=avoid)
        actor.texture = make_texture(rng, "vehicle")
        actors.append(actor)


def _crowd(cfg, ground, actors, canvas_w, rng, lap_variation, person, target_look, start: _StartClear) -> None:
    avoid = target_look.jacket if person else None
    for _ in range(cfg.n_people):
        zone = "far" if rng.random() < 0.65 else "near"
        z = rng.uniform(*g.WALK_ZONES[zone])
        heading = 1 if rng.random() < 0.5 else -1
        v = heading * rng.uniform(0.9, 1.6) * ground.ppm(z)
        look = lk.sample_person(rng, avoid=avoid)
        periods = PEOPLE_LOOP if lap_variation else 1
        for _ in range(30):
            x0 = rng.uniform(0, canvas_w * periods)
            if x0 >= canvas_w or start.ok(x0, z, look.half_width):
                break
        actor = Actor(len(actors), "person", "background",
                      Path.straight(x0, z, v, cfg.duration, ground.ppm), look,
                      looping=True, loop_periods=periods, lap_seed=cfg.seed if lap_variation else None, avoid=avoid)
        actor.texture = make_texture(rng, "person")
        actors.append(actor)


def _street_furniture(ground: g.Ground, light: Lighting, props: list[Prop], canvas_w: int,
                      rng: np.random.Generator, keep_clear: float | None,
                      walk: tuple[float, float] | None = None) -> list[Lamp]:
    """Lamps and small props on the near curb (none too close to the planned occluder); lamp posts also keep
    out of the span ``walk`` the target walks along when they can, so only the planned occluder hides it."""
    ppm = ground.ppm(g.PROP_Z)
    step = periodic_step(32.0 * ppm, canvas_w)
    lamps = []
    offset = rng.uniform(0, step)
    if walk is not None and walk[1] - walk[0] + 4.0 * ppm < step:
        # put the lamp just past the walk (on a random side), the others follow at the lamp spacing
        side = walk[1] + 2.0 * ppm if rng.random() < 0.5 else walk[0] - 2.0 * ppm
        offset = side % step
    for k in range(int(round(canvas_w / step))):
        x = offset + k * step
        if keep_clear is not None and abs((x - keep_clear + canvas_w / 2) % canvas_w - canvas_w / 2) < 3.0 * ppm:
            x += 4.0 * ppm
        props.append(make_prop("lamp", x, g.PROP_Z, ppm, light, rng))
        lamps.append(Lamp(x + 1.0 * ppm, g.PROP_Z + 1.0, LAMP_HEIGHT))
    x = rng.uniform(0, 6) * ppm
    while x < canvas_w - 2 * ppm:
        clear = keep_clear is None or abs((x - keep_clear + canvas_w / 2) % canvas_w - canvas_w / 2) > 2.5 * ppm
        if clear:
            props.append(make_prop("bollard" if rng.random() < 0.6 else "bin", x, g.PROP_Z + 0.1, ppm, light, rng))
        x += rng.uniform(6, 16) * ppm
    return lamps
