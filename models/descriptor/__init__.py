"""The learned structure descriptor: CFOG channels refined by a small pseudo-Siamese network.

A dense, full-resolution alternative to the stride-8 :class:`models.matcher.Matcher`:
each modality's image becomes CFOG's oriented-gradient channels, a
modality-specific residual stage and a shared residual stage refine them
(``low-sep-high-share``), and the template is found by the mean per-channel
zero-mean NCC, exactly as the hand-crafted CFOG baseline finds it. The
residual stages start at zero, so an untrained network *is* CFOG; training
can only move it away from there where the cross-modal matching loss says so.
See docs/DESCRIPTOR.md.
"""
from __future__ import annotations

from models.descriptor.config import DescriptorConfig
from models.descriptor.network import DescriptorNet

__all__ = ["DescriptorConfig", "DescriptorNet"]
