"""Matcher checkpoints: ``NAME.safetensors`` (state dict) + ``NAME.json`` (config and metadata).

The JSON file is ``{"format": "heterotrack-matcher", "version": 1,
"config": {...MatcherConfig...}, "extra": {...}}``. Loading is strict: a
missing or corrupt file, an unknown config key, or a state dict that does
not fit the architecture the config builds raises
:class:`core.errors.CheckpointError` naming the file and the first bad key.
Nothing is ever pickled.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from core.config import config_from_mapping, config_to_dict
from core.errors import CheckpointError, ConfigError
from models.config import MatcherConfig
from models.matcher import Matcher
from models.registry import build_matcher

FORMAT = "heterotrack-matcher"
VERSION = 1
SUFFIXES = (".safetensors", ".json")
#: Every checkpoint format a HeteroTrack tool can load (the descriptor's lives in models.descriptor.checkpoint).
KNOWN_FORMATS = (FORMAT, "heterotrack-descriptor")


def checkpoint_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``(NAME.safetensors, NAME.json)`` for ``NAME``, ``NAME.safetensors`` or ``NAME.json``."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix in SUFFIXES else p
    return Path(f"{stem}.safetensors"), Path(f"{stem}.json")


def save_matcher(model: Matcher, cfg: MatcherConfig, path: str | os.PathLike[str], extra: dict | None = None) -> Path:
    """Write ``model``'s weights and ``cfg`` next to each other; returns the ``.safetensors`` path.

    ``extra`` (JSON-serialisable: epoch, metrics, data split, ...) is stored
    under ``"extra"``. Both files are written to temporary names first and
    renamed, so an interrupted save never leaves a half-written checkpoint.
    """
    if getattr(model, "inference_only", False):
        raise ValueError("save_matcher: this is an inference copy (BatchNorm folded); save the original model")
    if getattr(model, "config", None) is not None and model.config != cfg:
        raise ValueError("save_matcher: cfg differs from the config the model was built with")
    return write_checkpoint(model, config_to_dict(cfg), path, FORMAT, VERSION, extra, who="save_matcher")


def write_checkpoint(model: torch.nn.Module, config: dict[str, Any], path: str | os.PathLike[str], fmt: str,
                     version: int, extra: dict | None = None, who: str = "save") -> Path:
    """``NAME.safetensors`` (``model``'s state dict) + ``NAME.json`` (``{"format", "version", "config",
    "extra"}``), written under temporary names and renamed; returns the weights path."""
    weights_path, meta_path = checkpoint_paths(path)
    meta = {"format": fmt, "version": version, "config": config, "extra": dict(extra or {})}
    try:
        meta_text = json.dumps(meta, indent=2, sort_keys=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{who}: extra is not plain JSON ({exc})") from None
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_weights = weights_path.with_name(weights_path.name + ".tmp")
    tmp_meta = meta_path.with_name(meta_path.name + ".tmp")
    save_file(state, str(tmp_weights), metadata={"format": fmt, "version": str(version)})
    tmp_meta.write_text(meta_text + "\n", encoding="utf-8")
    os.replace(tmp_weights, weights_path)
    os.replace(tmp_meta, meta_path)
    return weights_path


def read_weights(weights_path: Path) -> dict[str, torch.Tensor]:
    """The state dict of a ``.safetensors`` file; a missing or unreadable one is a :class:`CheckpointError`."""
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path}: checkpoint weights not found")
    try:
        return load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{weights_path}: not a readable safetensors file ({exc})") from None


def read_json_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed JSON metadata of any HeteroTrack checkpoint (matcher or descriptor), not yet checked."""
    weights_path, meta_path = checkpoint_paths(path)
    try:
        text = meta_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{meta_path}: checkpoint metadata not found (a checkpoint is {weights_path.name} "
                              f"plus {meta_path.name} beside it)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{meta_path}: cannot read checkpoint metadata ({exc})") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{meta_path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{meta_path}: expected a JSON object, got {type(meta).__name__}")
    return meta


def checkpoint_format(path: str | os.PathLike[str]) -> str:
    """``"heterotrack-matcher"`` or ``"heterotrack-descriptor"``: which loader a checkpoint needs."""
    _, meta_path = checkpoint_paths(path)
    fmt = read_json_meta(path).get("format")
    if fmt not in KNOWN_FORMATS:
        raise CheckpointError(f"{meta_path}: format: expected one of {', '.join(map(repr, KNOWN_FORMATS))}, "
                              f"got {fmt!r}")
    return fmt


def read_meta(path: str | os.PathLike[str]) -> tuple[MatcherConfig, dict[str, Any]]:
    """The config and the whole JSON metadata of a matcher checkpoint, without touching the weights."""
    _, meta_path = checkpoint_paths(path)
    meta = read_json_meta(path)
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_path}: format: expected {FORMAT!r}, got {meta.get('format')!r}")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{meta_path}: version: expected {VERSION}, got {meta.get('version')!r}")
    if "config" not in meta:
        raise CheckpointError(f"{meta_path}: missing key 'config'")
    try:
        cfg = config_from_mapping(MatcherConfig, meta["config"], source=f"{meta_path}: config")
    except ConfigError as exc:
        raise CheckpointError(str(exc)) from None
    return cfg, meta


def load_matcher(
    path: str | os.PathLike[str], device: str | torch.device = "cpu",
) -> tuple[Matcher, MatcherConfig, dict[str, Any]]:
    """Build the matcher the JSON describes and load the weights strictly; returns ``(model, cfg, meta)``.

    The model is returned in eval mode on ``device``.
    """
    weights_path, _ = checkpoint_paths(path)
    cfg, meta = read_meta(path)
    state = read_weights(weights_path)
    model = build_matcher(cfg)
    check_state(model, state, weights_path)
    model.load_state_dict(state, strict=True)
    return model.to(device).eval(), cfg, meta


def check_state(model: torch.nn.Module, state: dict[str, torch.Tensor], where: Path) -> None:
    """Raise :class:`CheckpointError` at the first key that does not fit ``model`` (sorted order)."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing:
        raise CheckpointError(
            f"{where}: missing key '{missing[0]}' ({len(missing)} missing): weights from another architecture?"
        )
    if unexpected:
        raise CheckpointError(
            f"{where}: unexpected key '{unexpected[0]}' ({len(unexpected)} unexpected): "
            "weights from another architecture?"
        )
    for key in sorted(expected):
        want, got = expected[key], state[key]
        if tuple(want.shape) != tuple(got.shape):
            raise CheckpointError(
                f"{where}: key '{key}' has shape {tuple(got.shape)}, the config needs {tuple(want.shape)}"
            )
        if want.is_floating_point() != got.is_floating_point():
            raise CheckpointError(f"{where}: key '{key}' has dtype {got.dtype}, the config needs {want.dtype}")
