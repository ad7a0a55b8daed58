"""Fusion modules: how template features and search features meet.

All share the interface of :class:`models.fusion.base.Fusion`; the registry
(`models.registry.FUSIONS`) maps config names to builders.
"""
from models.fusion.acm import AsymmetricConvFusion
from models.fusion.attention import AttentionFusion
from models.fusion.base import CorrelationFusion, Fusion, FusionOutput
from models.fusion.dwxcorr import DepthwiseXCorrFusion
from models.fusion.light_attention import LightAttentionFusion
from models.fusion.xcorr import XCorrFusion

__all__ = [
    "AsymmetricConvFusion", "AttentionFusion", "CorrelationFusion", "DepthwiseXCorrFusion",
    "Fusion", "FusionOutput", "LightAttentionFusion", "XCorrFusion",
]
