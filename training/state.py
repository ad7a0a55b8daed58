"""Resumable training checkpoints: a safetensors file of tensors plus a JSON file of everything else.

``step_00001200.safetensors`` holds the model state (``model.*``), every
optimizer state tensor (``optimizer.<param index>.<name>``) and the torch
random generator states (``rng.*``). ``step_00001200.json`` holds the step,
the optimizer's param groups and non-tensor state, the scheduler state, the
configs and whatever metadata the trainer adds. No pickles. Files are written
under temporary names and renamed, JSON last, so a checkpoint whose JSON
exists is complete.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from core.errors import CheckpointError

FORMAT = "heterotrack-train-state"
VERSION = 1
_NAME = re.compile(r"^step_(\d{8})\.json$")


def checkpoint_stem(directory: Path, step: int) -> Path:
    return Path(directory) / f"step_{step:08d}"


def save_train_state(
    stem: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    step: int,
    meta: dict[str, Any],
) -> Path:
    """Write ``stem.safetensors`` and ``stem.json``; returns the JSON path."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for key, value in model.state_dict().items():
        tensors[f"model.{key}"] = value.detach().cpu().contiguous().clone()
    opt = optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for index, state in opt["state"].items():
        for name, value in state.items():
            if torch.is_tensor(value):
                tensors[f"optimizer.{index}.{name}"] = value.detach().cpu().contiguous().clone()
            else:
                scalars.setdefault(str(index), {})[name] = value
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    info = {
        "format": FORMAT,
        "version": VERSION,
        "step": int(step),
        "optimizer": {"param_groups": opt["param_groups"], "scalars": scalars},
        "scheduler": scheduler.state_dict(),
        **meta,
    }
    try:
        text = json.dumps(info, indent=1, default=_json_default)
    except TypeError as exc:
        raise CheckpointError(f"{stem}.json: cannot store training state as JSON ({exc})") from None
    tensor_path, json_path = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    tmp_t, tmp_j = tensor_path.with_name(tensor_path.name + ".tmp"), json_path.with_name(json_path.name + ".tmp")
    save_file(tensors, str(tmp_t), metadata={"format": FORMAT, "step": str(step)})
    tmp_j.write_text(text, encoding="utf-8")
    os.replace(tmp_t, tensor_path)
    os.replace(tmp_j, json_path)
    return json_path


def read_train_state(stem: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON info and tensors of a checkpoint, checked for format; raises :class:`CheckpointError`."""
    stem = Path(stem)
    if stem.suffix in (".json", ".safetensors"):
        stem = stem.with_suffix("")
    json_path, tensor_path = stem.with_suffix(".json"), stem.with_suffix(".safetensors")
    for p in (json_path, tensor_path):
        if not p.is_file():
            raise CheckpointError(f"{p}: training checkpoint file not found")
    try:
        info = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{json_path}: not a readable JSON checkpoint ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise CheckpointError(f"{json_path}: not a HeteroTrack training checkpoint (format {info.get('format')!r})"
                              if isinstance(info, dict) else f"{json_path}: not a HeteroTrack training checkpoint")
    if info.get("version") != VERSION:
        raise CheckpointError(f"{json_path}: unsupported training checkpoint version {info.get('version')!r}")
    try:
        tensors = load_file(str(tensor_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{tensor_path}: corrupt safetensors file ({exc})") from None
    return info, tensors


def load_train_state(
    stem: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Restore model, optimizer, scheduler (and the torch RNG) in place; returns the JSON info."""
    info, tensors = read_train_state(stem)
    where = Path(stem).with_suffix(".safetensors")
    model_state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    expected = model.state_dict()
    for key in expected:
        if key not in model_state:
            raise CheckpointError(f"{where}: missing model tensor '{key}' (another architecture?)")
    for key, value in model_state.items():
        if key not in expected:
            raise CheckpointError(f"{where}: unexpected model tensor '{key}' (another architecture?)")
        if tuple(value.shape) != tuple(expected[key].shape):
            raise CheckpointError(f"{where}: model tensor '{key}' has shape {tuple(value.shape)}, "
                                  f"expected {tuple(expected[key].shape)}")
    model.load_state_dict(model_state)
    opt_info = info.get("optimizer", {})
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value
    for index, values in opt_info.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(values)
    groups = opt_info.get("param_groups")
    if not isinstance(groups, list) or len(groups) != len(optimizer.param_groups):
        raise CheckpointError(f"{Path(stem).with_suffix('.json')}: optimizer has {len(optimizer.param_groups)} "
                              f"parameter groups, the checkpoint {len(groups) if isinstance(groups, list) else 'none'}")
    for group in groups:
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
        scheduler.load_state_dict(info["scheduler"])
    except (KeyError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{Path(stem).with_suffix('.json')}: optimizer/scheduler state does not fit ({exc})") from None
    if restore_rng and "rng.torch" in tensors:
        torch.set_rng_state(tensors["rng.torch"])
        cuda = [tensors[f"rng.cuda.{i}"] for i in range(torch.cuda.device_count()) if f"rng.cuda.{i}" in tensors]
        if cuda and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
    return info


def list_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """``(step, stem)`` of the complete checkpoints in ``directory``, by step."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        m = _NAME.match(p.name)
        if m and p.with_suffix(".safetensors").is_file():
            found.append((int(m.group(1)), p.with_suffix("")))
    return sorted(found)


def latest_checkpoint(directory: Path) -> Path | None:
    found = list_checkpoints(directory)
    return found[-1][1] if found else None


def prune_checkpoints(directory: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` checkpoints."""
    for _, stem in list_checkpoints(directory)[:-keep] if keep > 0 else []:
        for suffix in (".json", ".safetensors"):
            stem.with_suffix(suffix).unlink(missing_ok=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if torch.is_tensor(value) and value.numel() == 1:
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")
