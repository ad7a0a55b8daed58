"""Side-view silhouettes as labelled polygons in metres (x forward, y up, origin on the ground).

A person is head, hair, neck, torso, two arms and two legs with shoes,
animated by a walking phase (legs and arms swing, knees bend, the body
bobs). A vehicle is body, engine bay, cabin with windows, wheel arches,
wheels with turning rims, lights, bumpers and trim; trucks have a cab and a
cargo box. Labels index the part tables in :mod:`synth.scene.looks`; parts
are listed back to front.
"""
from __future__ import annotations

import functools
import math

import numpy as np

# person part labels
P_FAR_ARM, P_FAR_HAND, P_FAR_LEG, P_FAR_SHOE, P_NEAR_LEG, P_NEAR_SHOE = 1, 2, 3, 4, 5, 6
P_BACKPACK, P_TORSO, P_SKIRT, P_NECK, P_HEAD, P_HAIR, P_CAP, P_NEAR_ARM, P_NEAR_HAND = 7, 8, 9, 10, 11, 12, 13, 14, 15
PERSON_LABELS = 16

# vehicle part labels
V_BODY, V_ENGINE, V_CABIN, V_WINDOW, V_TRIM, V_HIGHLIGHT, V_HEADLIGHT, V_TAILLIGHT = 1, 2, 3, 4, 5, 6, 7, 8
V_ARCH, V_TYRE, V_RIM, V_HUB, V_EXHAUST, V_CARGO, V_STRIPE, V_ROOF = 9, 10, 11, 12, 13, 14, 15, 16
VEHICLE_LABELS = 17

Part = tuple[int, np.ndarray]


@functools.lru_cache(maxsize=4096)
def _unit_arc(n: int, a0: float, a1: float) -> np.ndarray:
    a = np.linspace(a0, a1, n, endpoint=abs(a1 - a0 - 2 * math.pi) > 1e-9)
    arc = np.stack([np.cos(a), np.sin(a)], axis=1)
    arc.setflags(write=False)
    return arc


def circle(cx: float, cy: float, rx: float, ry: float | None = None, n: int = 14,
           a0: float = 0.0, a1: float = 2 * math.pi) -> np.ndarray:
    """Polygon of an ellipse (or an arc from angle a0 to a1) with ``n`` vertices."""
    ry = rx if ry is None else ry
    return _unit_arc(n, round(a0, 4), round(a1, 4)) * (rx, ry) + (cx, cy)


def capsule(p0, p1, r0: float, r1: float, n: int = 5) -> np.ndarray:
    """A limb from ``p0`` to ``p1`` with end radii ``r0``/``r1`` (rounded ends)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    ang = math.atan2(d[1], d[0])
    c, s = math.cos(ang), math.sin(ang)
    rot = np.array([[c, s], [-s, c]])  # row vectors: v @ rot rotates v by ang
    half = _unit_arc(n, round(-math.pi / 2, 4), round(math.pi / 2, 4)) @ rot
    return np.concatenate([half * r1 + p1, -half * r0 + p0])


def _limb_point(origin, length: float, angle: float) -> np.ndarray:
    """End of a segment hanging from ``origin`` at ``angle`` radians from straight down (positive = forward)."""
    return np.asarray(origin, float) + length * np.array([math.sin(angle), -math.cos(angle)])


def person_parts(look, phase: float, amount: float) -> list[Part]:
    """Polygons of a walking person; ``amount`` in [0, 1] scales the gait (0 = standing)."""
    H = look.height
    g = look.girth
    bob = amount * 0.012 * H * math.cos(2 * phase)
    hip = np.array([0.0, 0.53 * H + bob])
    shoulder = np.array([0.01 * H, 0.815 * H + bob])
    thigh, shin = 0.245 * H, 0.235 * H
    upper, fore = 0.175 * H, 0.16 * H
    parts: list[Part] = []

    def leg(ph: float, label_leg: int, label_shoe: int, shade: float = 1.0) -> None:
        swing = amount * 0.42 * math.sin(ph)
        flex = amount * (0.10 + 0.85 * max(0.0, math.cos(ph + math.pi / 4)) ** 2)
        knee = _limb_point(hip, thigh, swing)
        ankle = _limb_point(knee, shin, swing - flex)
        parts.append((label_leg, capsule(hip, knee, 0.05 * H * g * shade, 0.034 * H)))
        parts.append((label_leg, capsule(knee, ankle, 0.034 * H, 0.022 * H)))
        heel = ankle + np.array([-0.035 * H, -0.02 * H])
        toe = ankle + np.array([0.10 * H, -0.03 * H])
        shoe = np.array([heel + [0, 0.035 * H], heel, [heel[0] + 0.02 * H, heel[1] - 0.012 * H],
                         toe + [0, -0.002 * H], toe + [0.012 * H, 0.016 * H], ankle + [0.03 * H, 0.018 * H]])
        parts.append((label_shoe, shoe))

    def arm(ph: float, label_arm: int, label_hand: int) -> None:
        swing = -amount * 0.38 * math.sin(ph) + 0.03
        bend = 0.12 + amount * 0.35 * max(0.0, math.sin(ph + math.pi)) + 0.05
        elbow = _limb_point(shoulder + [0, -0.02 * H], upper, swing)
        wrist = _limb_point(elbow, fore, swing + bend)
        parts.append((label_arm, capsule(shoulder + [0, -0.02 * H], elbow, 0.03 * H * g, 0.022 * H)))
        parts.append((label_arm, capsule(elbow, wrist, 0.022 * H, 0.017 * H)))
        parts.append((label_hand, circle(*(_limb_point(wrist, 0.025 * H, swing + bend)), 0.02 * H, n=8)))

    arm(phase + math.pi, P_FAR_ARM, P_FAR_HAND)
    leg(phase + math.pi, P_FAR_LEG, P_FAR_SHOE)
    leg(phase, P_NEAR_LEG, P_NEAR_SHOE)
    if look.backpack:
        bp = np.array([[-0.07 * H * g, 0.60 * H], [-0.14 * H * g, 0.62 * H], [-0.15 * H * g, 0.76 * H],
                       [-0.12 * H * g, 0.80 * H], [-0.06 * H * g, 0.79 * H]]) + [0, bob]
        parts.append((P_BACKPACK, bp))
    lean = 0.015 * H * amount
    torso = np.array([
        [-0.062 * g, 0.80], [-0.045 * g, 0.825], [0.02, 0.83], [0.06 * g, 0.80], [0.075 * g, 0.72],
        [0.068 * g, 0.60], [0.066 * g, 0.50], [-0.068 * g, 0.49], [-0.075 * g, 0.60], [-0.072 * g, 0.72],
    ]) * [H, H] + [0, bob]
    torso[:, 0] += lean * (torso[:, 1] - hip[1]) / (0.3 * H)
    parts.append((P_TORSO, torso))
    if look.skirt:
        parts.append((P_SKIRT, np.array([[-0.07 * H * g, 0.52 * H], [0.07 * H * g, 0.52 * H],
                                         [0.11 * H, 0.33 * H], [-0.11 * H, 0.33 * H]]) + [0, bob]))
    head_c = np.array([0.02 * H + lean * 1.2, H - 0.066 * H + bob])
    parts.append((P_NECK, capsule([0.012 * H, 0.82 * H + bob], [0.02 * H, 0.875 * H + bob], 0.022 * H, 0.022 * H)))
    head = circle(head_c[0], head_c[1], 0.056 * H, 0.066 * H, n=16)
    nose = np.array([[head_c[0] + 0.05 * H, head_c[1] + 0.012 * H], [head_c[0] + 0.068 * H, head_c[1] - 0.012 * H],
                     [head_c[0] + 0.05 * H, head_c[1] - 0.02 * H]])
    parts.append((P_HEAD, head))
    parts.append((P_HEAD, nose))
    hair_len = 0.16 if look.long_hair else 0.0
    hair = np.concatenate([circle(head_c[0] - 0.004 * H, head_c[1] + 0.006 * H, 0.06 * H, 0.068 * H, n=12,
                                  a0=math.radians(25), a1=math.radians(205)),
                           [[head_c[0] - 0.055 * H, head_c[1] - (0.03 + hair_len) * H],
                            [head_c[0] - 0.035 * H, head_c[1] - (0.03 + hair_len) * H],
                            [head_c[0] - 0.02 * H, head_c[1] - 0.005 * H]]])
    parts.append((P_HAIR, hair))
    if look.cap:
        top = head_c + [0, 0.035 * H]
        cap = np.concatenate([circle(top[0], top[1], 0.06 * H, 0.04 * H, n=8, a0=0, a1=math.pi),
                              [[top[0] + 0.11 * H, top[1] - 0.005 * H], [top[0] + 0.11 * H, top[1] - 0.012 * H]]])
        parts.append((P_CAP, cap))
    arm(phase, P_NEAR_ARM, P_NEAR_HAND)
    # keep the lower foot on the ground
    lowest = min(p[:, 1].min() for label, p in parts if label in (P_NEAR_SHOE, P_FAR_SHOE))
    return [(label, p - [0.0, lowest]) for label, p in parts]


def _clip_x(poly: np.ndarray, x: float, keep_right: bool) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon by the vertical line at ``x``."""
    out = []
    n = len(poly)
    inside = (lambda p: p[0] >= x) if keep_right else (lambda p: p[0] <= x)
    for i in range(n):
        cur, prev = poly[i], poly[i - 1]
        if inside(cur):
            if not inside(prev):
                t = (x - prev[0]) / (cur[0] - prev[0])
                out.append(prev + t * (cur - prev))
            out.append(cur)
        elif inside(prev):
            t = (x - prev[0]) / (cur[0] - prev[0])
            out.append(prev + t * (cur - prev))
    return np.asarray(out) if len(out) >= 3 else np.zeros((0, 2))


def _wheel(parts: list[Part], x: float, r: float, angle: float) -> None:
    parts.append((V_ARCH, circle(x, r, r + 0.07, n=16, a0=0, a1=math.pi)))
    parts.append((V_TYRE, circle(x, r, r, n=18)))
    parts.append((V_RIM, circle(x, r, r * 0.62, n=14)))
    for k in range(5):
        a = angle + k * 2 * math.pi / 5
        parts.append((V_HUB, circle(x + 0.38 * r * math.cos(a), r + 0.38 * r * math.sin(a), 0.12 * r, n=6)))
    parts.append((V_TRIM, circle(x, r, r * 0.14, n=6)))


def vehicle_parts(look, wheel_angle: float) -> list[Part]:
    """Polygons of a car, van or truck facing +x."""
    if look.kind == "truck":
        return truck_parts(look, wheel_angle)
    L, H, c, r = look.length, look.height, look.clearance, look.wheel_radius
    belt = c + look.belt * (H - c)
    f, b = L / 2, -L / 2
    hood_end = f - look.hood
    roof_front = hood_end - look.windshield
    rear_base = b + look.trunk
    roof_rear = rear_base + look.rear_window
    parts: list[Part] = []
    body = np.array([[b + 0.08, c + 0.02], [f - 0.1, c + 0.02], [f, c + 0.16], [f + 0.01, belt - 0.14],
                     [f - 0.06, belt - 0.03], [hood_end, belt + 0.04], [rear_base, belt + 0.05],
                     [b + 0.06, belt], [b, belt - 0.1], [b - 0.01, c + 0.16]])
    parts.append((V_BODY, body))
    engine = np.array([[f - 0.1, c + 0.05], [f, c + 0.16], [f + 0.01, belt - 0.14], [f - 0.06, belt - 0.03],
                       [hood_end + 0.1, belt + 0.03], [hood_end + 0.1, c + 0.2]])
    parts.append((V_ENGINE, engine))
    cabin = np.array([[hood_end + 0.02, belt + 0.03], [roof_front, H - 0.03], [roof_front - 0.12, H],
                      [roof_rear + 0.1, H], [roof_rear, H - 0.04], [rear_base - 0.02, belt + 0.04]])
    parts.append((V_CABIN, cabin))
    parts.append((V_ROOF, np.array([[roof_front - 0.12, H], [roof_rear + 0.1, H], [roof_rear + 0.05, H - 0.05],
                                    [roof_front - 0.05, H - 0.05]])))
    glass = np.array([[hood_end + 0.16, belt + 0.07], [roof_front + 0.03, H - 0.08], [roof_rear + 0.03, H - 0.08],
                      [rear_base + 0.14, belt + 0.08]])
    pillar = roof_front - 0.45 * (roof_front - roof_rear) if look.kind != "van" else roof_front - 0.9
    front_glass = _clip_x(glass, pillar + 0.05, True)
    rear_glass = _clip_x(glass, pillar - 0.05, False)
    if look.kind == "van":
        rear_glass = _clip_x(rear_glass, pillar - 1.2, True)
    for pane in (front_glass, rear_glass):
        if len(pane):
            parts.append((V_WINDOW, pane))
    parts.append((V_HIGHLIGHT, np.array([[f - 0.12, belt - 0.06], [b + 0.1, belt - 0.07], [b + 0.1, belt - 0.1],
                                         [f - 0.12, belt - 0.09]])))
    for xs in (pillar + 0.07, pillar - 0.85 if look.kind != "van" else pillar - 1.4):
        parts.append((V_TRIM, np.array([[xs, c + 0.18], [xs + 0.02, c + 0.18], [xs + 0.02, belt], [xs, belt]])))
    for xh in (pillar - 0.25, pillar + 0.72):
        parts.append((V_TRIM, np.array([[xh, belt - 0.16], [xh + 0.16, belt - 0.16], [xh + 0.16, belt - 0.13],
                                        [xh, belt - 0.13]])))
    parts.append((V_TRIM, np.array([[f - 0.02, c + 0.12], [f + 0.02, c + 0.12], [f + 0.02, c + 0.28],
                                    [f - 0.35, c + 0.3], [f - 0.4, c + 0.12]])))
    parts.append((V_TRIM, np.array([[b + 0.4, c + 0.12], [b - 0.02, c + 0.12], [b - 0.02, c + 0.3],
                                    [b + 0.4, c + 0.3]])))
    parts.append((V_TRIM, np.array([[hood_end + 0.05, belt + 0.1], [hood_end + 0.2, belt + 0.12],
                                    [hood_end + 0.2, belt + 0.2], [hood_end + 0.07, belt + 0.2]])))  # mirror
    parts.append((V_HEADLIGHT, np.array([[f - 0.24, belt - 0.15], [f - 0.01, belt - 0.13], [f - 0.03, belt - 0.05],
                                         [f - 0.26, belt - 0.05]])))
    parts.append((V_TAILLIGHT, np.array([[b + 0.01, belt - 0.17], [b + 0.17, belt - 0.16], [b + 0.15, belt - 0.03],
                                         [b + 0.02, belt - 0.04]])))
    parts.append((V_EXHAUST, circle(b + 0.35, c + 0.04, 0.045, n=8)))
    _wheel(parts, b + look.rear_overhang, r, wheel_angle)
    _wheel(parts, f - look.front_overhang, r, wheel_angle)
    return parts


def truck_parts(look, wheel_angle: float) -> list[Part]:
    """A box truck: cab at the front, tall cargo box behind."""
    L, H, c, r = look.length, look.height, look.clearance, look.wheel_radius
    f, b = L / 2, -L / 2
    cab_len, cab_h = 2.1, 2.6
    box_front = f - cab_len - 0.1
    parts: list[Part] = []
    parts.append((V_TRIM, np.array([[b + 0.2, c], [f - 0.3, c], [f - 0.3, c + 0.35], [b + 0.2, c + 0.35]])))
    parts.append((V_CARGO, np.array([[b, c + 0.25], [box_front, c + 0.25], [box_front, H], [b, H]])))
    parts.append((V_STRIPE, np.array([[b + 0.3, c + 1.2], [box_front - 0.3, c + 1.2], [box_front - 0.3, c + 1.75],
                                      [b + 0.3, c + 1.75]])))
    cab = np.array([[box_front + 0.05, c + 0.2], [f, c + 0.2], [f + 0.02, c + 1.2], [f - 0.25, cab_h - 0.2],
                    [f - 0.6, cab_h], [box_front + 0.05, cab_h]])
    parts.append((V_BODY, cab))
    parts.append((V_ENGINE, np.array([[f - 0.9, c + 0.2], [f, c + 0.2], [f + 0.02, c + 1.1], [f - 0.9, c + 1.1]])))
    parts.append((V_WINDOW, np.array([[f - 1.3, c + 1.45], [f - 0.35, c + 1.45], [f - 0.3, cab_h - 0.3],
                                      [f - 0.65, cab_h - 0.12], [f - 1.3, cab_h - 0.12]])))
    parts.append((V_TRIM, np.array([[f - 1.4, c + 0.45], [f - 1.37, c + 0.45], [f - 1.37, cab_h - 0.1],
                                    [f - 1.4, cab_h - 0.1]])))
    parts.append((V_HEADLIGHT, np.array([[f - 0.2, c + 0.45], [f + 0.02, c + 0.45], [f + 0.02, c + 0.62],
                                         [f - 0.2, c + 0.62]])))
    parts.append((V_TAILLIGHT, np.array([[b, c + 0.3], [b + 0.15, c + 0.3], [b + 0.15, c + 0.5], [b, c + 0.5]])))
    parts.append((V_EXHAUST, circle(f - 1.9, c + 0.1, 0.06, n=8)))
    _wheel(parts, f - 1.2, r, wheel_angle)
    _wheel(parts, b + 1.5, r, wheel_angle)
    _wheel(parts, b + 1.5 + 2 * r + 0.1, r, wheel_angle)
    return parts
