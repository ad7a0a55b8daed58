"""Hand-crafted cross-modal matchers (NumPy/OpenCV only, no torch).

``CLASSIC_MATCHERS`` maps each ``eval-match --method`` name to its class;
every matcher follows :class:`models.classic.base.TemplateMatcher`. The CFOG
matcher doubles as the tracker's fallback when no learned weights exist.
"""
from __future__ import annotations

from models.classic.base import MatchResult, TemplateMatcher
from models.classic.cfog import CfogConfig, CfogMatcher, cfog_descriptor
from models.classic.gradient import GradientNccMatcher
from models.classic.ncc import NccMatcher
from models.classic.sift import SiftConfig, SiftMatcher

CLASSIC_MATCHERS: dict[str, type] = {
    "ncc": NccMatcher,
    "grad-ncc": GradientNccMatcher,
    "sift": SiftMatcher,
    "cfog": CfogMatcher,
}

__all__ = [
    "CLASSIC_MATCHERS", "CfogConfig", "CfogMatcher", "GradientNccMatcher", "MatchResult", "NccMatcher",
    "SiftConfig", "SiftMatcher", "TemplateMatcher", "cfog_descriptor",
]
