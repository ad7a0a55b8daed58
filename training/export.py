"""Turning a training checkpoint into matcher weights (``heterotrack train --export``).

For evaluating a run mid-way, or shipping the weights of a run that was
stopped. The weights' JSON records the checkpoint, its step, the run's
command, data lists and last validation, so the model card can cite them.
"""
from __future__ import annotations

from pathlib import Path

from core.config import config_from_mapping
from core.errors import CheckpointError
from models.checkpoint import save_matcher
from models.config import MatcherConfig
from models.registry import build_matcher
from training.run import find_checkpoint
from training.state import read_train_state


def export_checkpoint(path: str | Path, out: str | Path, command: str) -> Path:
    """Write ``out``.safetensors/.json from a run folder's newest checkpoint or a given checkpoint stem."""
    stem = find_checkpoint(Path(path))
    info, tensors = read_train_state(stem)
    cfg = config_from_mapping(MatcherConfig, info.get("model_config", {}), source=f"{stem}.json model_config")
    model = build_matcher(cfg)
    state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        first = (missing or unexpected)[0]
        raise CheckpointError(f"{stem}.safetensors: model tensors do not match the saved config (first: {first})")
    extra = {"command": info.get("command"), "exported_by": command, "exported_from": str(stem),
             "steps": info.get("step"), "data": info.get("data"), "validation": info.get("validation"),
             "train_config": info.get("train_config"), "run_dir": info.get("run_dir")}
    return save_matcher(model, cfg, out, extra=extra)
