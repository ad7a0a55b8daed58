"""Descriptor checkpoints: ``NAME.safetensors`` (state dict) + ``NAME.json`` (config and metadata).

The JSON file is ``{"format": "heterotrack-descriptor", "version": 1,
"config": {...DescriptorConfig...}, "extra": {...}}``. Loading is as strict as
:mod:`models.checkpoint`'s: a missing or corrupt file, an unknown config key,
or a state dict that does not fit the architecture raises
:class:`core.errors.CheckpointError` naming the file and the first bad key.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from core.config import config_from_mapping, config_to_dict
from core.errors import CheckpointError, ConfigError
from models.checkpoint import check_state, checkpoint_paths, read_json_meta, read_weights, write_checkpoint
from models.descriptor.config import DescriptorConfig
from models.descriptor.network import DescriptorNet

FORMAT = "heterotrack-descriptor"
VERSION = 1


def save_descriptor(net: DescriptorNet, path: str | os.PathLike[str], extra: dict | None = None) -> Path:
    """Write ``net``'s weights and config side by side (temporary names, then renamed); returns the weights path."""
    return write_checkpoint(net, config_to_dict(net.config), path, FORMAT, VERSION, extra, who="save_descriptor")


def read_descriptor_meta(path: str | os.PathLike[str], meta: dict[str, Any]) -> DescriptorConfig:
    """The config of already-parsed descriptor metadata ``meta`` (read from ``path``'s JSON)."""
    _, meta_path = checkpoint_paths(path)
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{meta_path}: version: expected {VERSION}, got {meta.get('version')!r}")
    if "config" not in meta:
        raise CheckpointError(f"{meta_path}: missing key 'config'")
    try:
        return config_from_mapping(DescriptorConfig, meta["config"], source=f"{meta_path}: config")
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None


def load_descriptor(path: str | os.PathLike[str], device: str | torch.device = "cpu",
                    ) -> tuple[DescriptorNet, DescriptorConfig, dict[str, Any]]:
    """Build the network the JSON describes and load its weights strictly; returns ``(net, cfg, meta)``."""
    weights_path, meta_path = checkpoint_paths(path)
    meta = read_json_meta(path)
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_path}: format: expected {FORMAT!r}, got {meta.get('format')!r}")
    cfg = read_descriptor_meta(path, meta)
    state = read_weights(weights_path)
    net = DescriptorNet(cfg)
    check_state(net, state, weights_path)
    net.load_state_dict(state, strict=True)
    return net.to(device).eval(), cfg, meta
