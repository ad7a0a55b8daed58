"""SIFT keypoints + ratio test + RANSAC similarity: the sparse baseline.

SIFT keypoints located inside the template box and inside the search window
are matched with Lowe's ratio test (detection runs on the region grown by
``margin`` pixels, because a keypoint's descriptor needs support around it
and a bare 24-px crop yields almost none), and a similarity transform
(rotation, uniform scale, translation; ``cv2.estimateAffinePartial2D``) is
fitted with RANSAC.
The template box's corners mapped through it give the predicted box (their
axis-aligned bounding box). With fewer than ``min_inliers`` inliers the
method reports no match (a NaN box), which the evaluation scores as IoU 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.classic.base import NO_MATCH, Box, MatchResult, template_pixels, window_pixels


@dataclass(frozen=True)
class SiftConfig:
    """Matching settings (Lowe's ratio; the RANSAC threshold is in pixels)."""

    ratio: float = 0.8
    ransac_threshold: float = 3.0
    min_inliers: int = 4
    margin: int = 16  # context pixels around the box / window that detection may look at


class SiftMatcher:
    """SIFT + RANSAC matcher (``--method sift``). Has no dense response map."""

    name = "sift"

    def __init__(self, config: SiftConfig = SiftConfig()):
        self.config = config
        self._sift = cv2.SIFT_create()
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)

    def _describe(self, image: np.ndarray, rect: tuple[int, int, int, int]):
        """Keypoints inside ``rect`` (as image coordinates, ``(N, 2)``) and their descriptors."""
        x0, y0, x1, y1 = rect
        h_img, w_img = image.shape[:2]
        m = self.config.margin
        ex0, ey0, ex1, ey1 = max(x0 - m, 0), max(y0 - m, 0), min(x1 + m, w_img), min(y1 + m, h_img)
        region = np.ascontiguousarray(image[ey0:ey1, ex0:ex1])
        grey = region if region.ndim == 2 else cv2.cvtColor(region, cv2.COLOR_RGB2GRAY)
        keypoints, descriptors = self._sift.detectAndCompute(grey, None)
        if descriptors is None or len(keypoints) == 0:  # (some OpenCV builds give an empty array, not None)
            return np.zeros((0, 2), np.float32), None
        # OpenCV puts the centre of pixel i at i; our convention puts it at i + 0.5.
        points = np.float32([k.pt for k in keypoints]) + np.float32([ex0 + 0.5, ey0 + 0.5])
        keep = (points[:, 0] >= x0) & (points[:, 0] < x1) & (points[:, 1] >= y0) & (points[:, 1] < y1)
        return points[keep], descriptors[keep]

    def match(self, template_image: np.ndarray, template_box: Box,
              search_image: np.ndarray, search_window: Box) -> MatchResult:
        """Fit a similarity from template keypoints to window keypoints and map the box through it."""
        t_rect = template_pixels(template_box, template_image.shape)
        s_rect = window_pixels(search_window, search_image.shape)
        pts_t, des_t = self._describe(template_image, t_rect)
        pts_s, des_s = self._describe(search_image, s_rect)
        if len(pts_t) < 2 or len(pts_s) < 2:
            return NO_MATCH
        good = [p[0] for p in self._matcher.knnMatch(des_t, des_s, k=2)
                if len(p) == 2 and p[0].distance < self.config.ratio * p[1].distance]
        if len(good) < self.config.min_inliers:
            return NO_MATCH
        src = pts_t[[m.queryIdx for m in good]]
        dst = pts_s[[m.trainIdx for m in good]]
        matrix, inliers = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=self.config.ransac_threshold
        )
        if matrix is None or inliers is None or int(inliers.sum()) < self.config.min_inliers:
            return NO_MATCH
        x, y, w, h = template_box
        corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64)
        mapped = corners @ matrix.T
        (x1, y1), (x2, y2) = mapped.min(axis=0), mapped.max(axis=0)
        if not np.all(np.isfinite(mapped)) or x2 - x1 <= 0 or y2 - y1 <= 0:
            return NO_MATCH
        return MatchResult(box=(float(x1), float(y1), float(x2 - x1), float(y2 - y1)), score=float(inliers.sum()))
