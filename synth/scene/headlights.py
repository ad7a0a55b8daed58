"""Vehicle lights after dark: a glowing cone of light ahead of the headlights, and flares at the lamps.

Drawn as additive light right after the vehicle itself, so nearer objects
still hide the beam. The thermal image is unaffected (glass and light are
invisible to a long-wave camera).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from synth.scene.lighting import Lighting

BEAM_COLOUR = np.asarray((1.0, 0.93, 0.78, 0.0), np.float32)  # RGB + no change of temperature
TAIL_COLOUR = np.asarray((1.0, 0.12, 0.06, 0.0), np.float32)
REACH = 10.0  # metres of visible beam


def lamp_points(look) -> tuple[np.ndarray, np.ndarray]:
    """Local (x, y) metres of the headlight and the taillight."""
    if look.kind == "truck":
        return np.array([look.length / 2, look.clearance + 0.53]), np.array([-look.length / 2, look.clearance + 0.4])
    belt = look.clearance + look.belt * (look.height - look.clearance)
    return np.array([look.length / 2, belt - 0.09]), np.array([-look.length / 2, belt - 0.1])


def _flare(frame: np.ndarray, centre: np.ndarray, radius: float, colour: np.ndarray) -> None:
    h_img, w_img = frame.shape[:2]
    r = int(math.ceil(radius * 3))
    cx, cy = centre
    x0, y0 = max(int(cx) - r, 0), max(int(cy) - r, 0)
    x1, y1 = min(int(cx) + r + 1, w_img), min(int(cy) + r + 1, h_img)
    if x1 <= x0 or y1 <= y0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    d2 = ((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2) / (radius * radius)
    frame[y0:y1, x0:x1] += (np.exp(-d2) + 0.25 * np.exp(-d2 / 6))[..., None] * colour


def draw_vehicle_lights(frame: np.ndarray, a: np.ndarray, b: np.ndarray, look, ppm_img: float,
                        light: Lighting) -> None:
    """Beam and flares of one vehicle on the ``H x W x 4`` frame; (a, b) map its local metres to image pixels."""
    if not light.lights_on or light.headlight <= 0:
        return
    head, tail = lamp_points(look)
    level = light.headlight
    _flare(frame, a @ head + b, max(1.0, 0.22 * ppm_img), BEAM_COLOUR * 1.6 * level)
    _flare(frame, a @ tail + b, max(1.0, 0.14 * ppm_img), TAIL_COLOUR * 0.9 * level)
    hx, hy = head
    beam = np.array([[hx, hy + 0.06], [hx, hy - 0.06], [hx + REACH, -0.2], [hx + REACH, hy + 0.7]])
    pts = beam @ a.T + b
    h_img, w_img = frame.shape[:2]
    q, sigma = 4, 1.5  # work at quarter resolution: the beam is smooth
    pad = int(3 * sigma * q) + q
    x0, y0 = max(int(math.floor(pts[:, 0].min())) - pad, 0), max(int(math.floor(pts[:, 1].min())) - pad, 0)
    x1 = min(int(math.ceil(pts[:, 0].max())) + pad, w_img)
    y1 = min(int(math.ceil(pts[:, 1].max())) + pad, h_img)
    if x1 - x0 < 2 * q or y1 - y0 < 2 * q:
        return
    sw, sh = max(2, (x1 - x0) // q), max(2, (y1 - y0) // q)
    sx, sy = (x1 - x0) / sw, (y1 - y0) / sh
    small = np.zeros((sh, sw), np.float32)
    spts = (pts - [x0, y0]) / [sx, sy] - 0.5
    cv2.fillPoly(small, [np.round(spts * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    # local coordinates of each pixel through the inverse map: along the beam and height above the road
    inv = np.linalg.inv(a)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    px = (xx + 0.5) * sx + x0 - b[0]
    py = (yy + 0.5) * sy + y0 - b[1]
    along = inv[0, 0] * px + inv[0, 1] * py - hx
    up = inv[1, 0] * px + inv[1, 1] * py
    axis = hy * (1.0 - 0.75 * np.clip(along / REACH, 0, 1))  # the beam dips towards the road
    spread = 0.18 + 0.09 * np.clip(along, 0, None)
    small *= np.exp(-np.clip(along, 0, None) / 3.5) * np.clip(along / 0.5, 0, 1)
    small *= np.exp(-0.5 * ((up - axis) / spread) ** 2) + 0.6 * np.exp(-0.5 * (up / 0.12) ** 2)  # + road pool
    small = cv2.GaussianBlur(small, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    big = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    frame[y0:y1, x0:x1] += big[..., None] * (BEAM_COLOUR * 0.6 * level)
