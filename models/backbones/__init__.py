"""Backbone families. Each builds modality-specific low stages and shareable high stages.

A family object has ``low_channels``, ``out_channels``, ``make_low(in_channels)``
(stem + stride-4 stage) and ``make_high()`` (stride-8 stages + output neck);
``models.strategies`` decides which of those are shared between modalities.
"""
from __future__ import annotations

from typing import Protocol

from torch import nn

from models.backbones.mobilenet import MobileNetFamily
from models.backbones.resnet import ResNetFamily


class BackboneFamily(Protocol):
    name: str
    low_channels: int
    out_channels: int

    def make_low(self, in_channels: int) -> nn.Module: ...

    def make_high(self) -> nn.Module: ...


__all__ = ["BackboneFamily", "MobileNetFamily", "ResNetFamily"]
