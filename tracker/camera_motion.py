"""Global (camera) motion between consecutive frames of one stream.

A camera on a vehicle or in a hand moves the whole image, and SiamFC's loop
then searches around where the target *was* in the image, with a velocity
prior that mixes the camera's motion into the target's. Trackers for moving
platforms compensate it first (BoT-SORT's "camera motion compensation",
Aharon et al. 2022; sparse optical flow plus a RANSAC fit, as OpenCV's
videostab module does): corner features of the previous frame, followed into
the current one by pyramidal Lucas-Kanade flow, checked back again, and a
similarity transform (shift, zoom, roll) fitted to them by RANSAC with the
target's own neighbourhood left out.

Only the stream's own consecutive frames are used, never a template: the
target is followed by the matcher, and this only moves the prior (the search
centre, the window and the coast) with the background.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Motion:
    """A similarity transform ``p' = A p + t`` between two frames (full-resolution px) and its support: the
    number of RANSAC ``inliers``."""

    matrix: np.ndarray  # 2x3
    inliers: int

    @property
    def zoom(self) -> float:
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    def apply(self, point: tuple[float, float]) -> tuple[float, float]:
        x, y = self.matrix @ np.array([point[0], point[1], 1.0])
        return float(x), float(y)


class CameraMotion:
    """Frame-to-frame similarity estimates for one stream; ``reset`` forgets the previous frame.

    ``work_side``: frames are shrunk so that their longer side is at most this (the fit is done there and
    scaled back); ``max_features`` corners are followed; an estimate needs ``min_inliers`` RANSAC inliers
    and at least ``min_inlier_ratio`` of the vectors that survived the forward-backward check, else there is
    none (a blank, flat or mostly moving view), and the caller keeps its uncompensated prediction.
    """

    def __init__(self, work_side: int = 320, max_features: int = 300, min_inliers: int = 20,
                 min_inlier_ratio: float = 0.5, ransac_px: float = 1.0):
        self.work_side = work_side
        self.max_features = max_features
        self.min_inliers = min_inliers
        self.min_inlier_ratio = min_inlier_ratio
        self.ransac_px = ransac_px
        self._previous: np.ndarray | None = None
        self._scale = 1.0

    def reset(self) -> None:
        self._previous = None

    def _small(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        if grey.dtype != np.uint8:
            grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
        side = max(grey.shape[:2])
        scale = min(1.0, self.work_side / side)
        if scale < 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return grey, scale

    def observe(self, image: np.ndarray) -> None:
        """Take ``image`` as the previous frame without estimating anything (the init frame)."""
        self._previous, self._scale = self._small(image)

    def estimate(self, image: np.ndarray, exclude: np.ndarray | None = None) -> Motion | None:
        """The motion from the previous frame to ``image`` (which becomes the previous one), or None.

        ``exclude``: an ``x, y, w, h`` box (this stream's px, in the previous frame) whose corners are left
        out, so that the target's own motion does not count as the camera's."""
        small, scale = self._small(image)
        previous, prev_scale = self._previous, self._scale
        self._previous, self._scale = small, scale
        if previous is None or previous.shape != small.shape:
            return None
        mask = np.full(previous.shape, 255, np.uint8)
        if exclude is not None:
            x, y, w, h = (np.asarray(exclude, float) * prev_scale).tolist()
            mask[max(int(y), 0):max(int(np.ceil(y + h)), 0), max(int(x), 0):max(int(np.ceil(x + w)), 0)] = 0
        corners = cv2.goodFeaturesToTrack(previous, self.max_features, 0.01, 7, mask=mask, blockSize=7)
        if corners is None or len(corners) < self.min_inliers:
            return None
        params = dict(winSize=(15, 15), maxLevel=3,
                      criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        ahead, ok, _ = cv2.calcOpticalFlowPyrLK(previous, small, corners, None, **params)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(small, previous, ahead, None, **params)
        good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & (np.linalg.norm((back - corners).reshape(-1, 2),
                                                                            axis=1) < 0.5)
        src, dst = corners.reshape(-1, 2)[good], ahead.reshape(-1, 2)[good]
        if len(src) < self.min_inliers:
            return None
        matrix, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                                  ransacReprojThreshold=self.ransac_px, maxIters=500,
                                                  confidence=0.99, refineIters=10)
        if matrix is None or inl is None:
            return None
        inliers = int(inl.sum())
        if inliers < self.min_inliers or inliers < self.min_inlier_ratio * len(src):
            return None
        # back to full-resolution px: p_small = s p, so A stays and t scales by 1 / s
        matrix = matrix.astype(np.float64)
        matrix[:, 2] /= scale
        return Motion(matrix, inliers)
