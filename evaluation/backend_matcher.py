"""Any tracker backend behind the eval-match protocol: the matcher exactly as the tracking loop runs it.

``--method cfog-tracker`` scores the tracker's no-weights backend
(:class:`tracker.classic_backend.CfogBackend`: half-scale crops, a stride-8
score grid) on the same queries as the full-resolution ``cfog`` baseline, with
the crops of ``evaluation.learned`` (template side ``context_size`` → 127,
search ``× 255/127`` → 255 around the window centre). Its score is the
sigmoid of the peak logit, the number the tracker's confidence is made of, so
``--report`` can show how well that confidence is calibrated.
"""
from __future__ import annotations

import math

import numpy as np

from evaluation.learned import modality_of, peak_box, siamfc_crops
from models.classic.base import Box, MatchResult


class BackendMatcher:
    """Runs ``backend.encode`` on the template crop and ``backend.match`` on one search crop."""

    def __init__(self, backend, name: str):
        self.backend = backend
        self.name = name

    def match(self, template_image: np.ndarray, template_box: Box,
              search_image: np.ndarray, search_window: Box) -> MatchResult:
        t_crop, s_crop, centre, scale = siamfc_crops(template_image, template_box, search_image, search_window)
        target = (template_box[2] * scale, template_box[3] * scale)  # both crops have ``scale`` px per image px
        template = self.backend.encode(t_crop, modality_of(template_image), target=target)
        response = self.backend.match(template, s_crop[None], modality_of(search_image))
        score = response.score[0]
        boxes = None if response.boxes is None else response.boxes[0]
        box, (i, j), origin = peak_box(score, boxes, response.origin, response.stride, centre, scale,
                                       search_window, template_box)
        logit = float(score[i, j])
        return MatchResult(box=box, score=1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0,
                           response=score, origin=origin, stride=response.stride / scale)


def cfog_tracker_matcher() -> BackendMatcher:
    from tracker.classic_backend import CfogBackend

    return BackendMatcher(CfogBackend(), "cfog-tracker")
