"""One training run from start to exported weights: plan it (fresh or resumed), then execute it.

A :class:`RunPlan` holds everything a run needs (settings, data, paths). A
fresh plan refuses a run directory that already holds checkpoints; a resumed
plan takes every setting from the checkpoint, so the run continues exactly.
:func:`execute` joins the process group (under torchrun), builds the model
and the data, trains, and on rank 0 writes the final weights with
``models.checkpoint.save_matcher``.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from core.config import config_from_mapping, config_to_dict
from core.errors import CheckpointError, ConfigError
from models.checkpoint import load_matcher, read_meta, save_matcher
from models.config import MatcherConfig
from models.registry import build_matcher
from training.config import TrainConfig, override_config
from training.data import DataSpec, build_training_data
from training.distributed import DistContext, init_distributed, shutdown
from training.state import latest_checkpoint, read_train_state
from training.trainer import Trainer, TrainResult


@dataclass(frozen=True)
class RunPlan:
    cfg: TrainConfig
    model_cfg: MatcherConfig
    run_dir: Path
    spec: DataSpec
    out: Path  # final weights: out.safetensors + out.json
    command: str
    resume: Path | None = None  # checkpoint stem to continue from
    init_from: Path | None = None  # exported weights to start a fresh run from (same architecture)


def model_config(table: Mapping[str, Any], cfg: TrainConfig, source: str) -> MatcherConfig:
    """The ``MatcherConfig`` of a settings table, checked against the training crop sizes."""
    mcfg = config_from_mapping(MatcherConfig, dict(table), source=source)
    if (mcfg.exemplar_size, mcfg.instance_size) != (cfg.exemplar_size, cfg.instance_size):
        raise ConfigError(f"{source}: exemplar/instance sizes {mcfg.exemplar_size}/{mcfg.instance_size} differ from "
                          f"the training crops {cfg.exemplar_size}/{cfg.instance_size}; set both alike")
    return mcfg


def plan_fresh(cfg: TrainConfig, model_table: Mapping[str, Any], run_dir: Path, spec: DataSpec,
               out: Path | None, command: str, init_from: Path | None = None) -> RunPlan:
    """A new run; with ``init_from`` its model starts from those exported weights instead of at random.

    The weights' architecture must equal the run's model settings exactly
    (``--set model.*`` defaults to the weights' own config when none are
    given), so a warm start can never load part of a network silently.
    """
    if latest_checkpoint(run_dir / "checkpoints") is not None:
        raise ConfigError(f"--run-dir {run_dir}: already holds a training run; continue it with "
                          f"--resume {run_dir} or choose another --run-dir")
    if init_from is not None:
        init_cfg, _ = read_meta(init_from)
        table = {**config_to_dict(init_cfg), **model_table}
        mcfg = model_config(table, cfg, "model settings")
        if mcfg != init_cfg:
            diff = sorted(k for k, v in config_to_dict(mcfg).items() if config_to_dict(init_cfg).get(k) != v)
            raise ConfigError(f"--init-from {init_from}: its architecture differs from the run's model settings "
                              f"in {', '.join(diff)}; a warm start needs the same architecture")
    else:
        mcfg = model_config(model_table, cfg, "model settings")
    return RunPlan(cfg, mcfg, run_dir, spec, out or run_dir / "matcher", command, init_from=init_from)


def find_checkpoint(path: Path) -> Path:
    """The checkpoint stem named by ``path``: a ``step_*`` file, or the newest one in a run directory."""
    if path.suffix in (".json", ".safetensors") or path.name.startswith("step_"):
        return path.with_suffix("")
    for directory in (path / "checkpoints", path):
        stem = latest_checkpoint(directory)
        if stem is not None:
            return stem
    raise CheckpointError(f"{path}: no training checkpoint found (expected {path / 'checkpoints'}/step_*.json)")


def plan_resume(path: Path, runtime: Mapping[str, Any], roadscene: Path | None, out: Path | None,
                command: str, default_roadscene: Path) -> RunPlan:
    """Continue the run of ``path`` with its saved settings; ``runtime`` may change device/threads/workers."""
    stem = find_checkpoint(path)
    info, _ = read_train_state(stem)
    where = f"{stem}.json"
    for key in ("train_config", "model_config"):
        if not isinstance(info.get(key), dict):
            raise CheckpointError(f"{where}: missing '{key}' (not written by heterotrack train?)")
    cfg = config_from_mapping(TrainConfig, info["train_config"], source=f"{where}: train_config")
    if runtime:
        cfg = override_config(cfg, runtime, "command line")
    mcfg = model_config(info["model_config"], cfg, f"{where}: model_config")
    saved = info.get("data", {})
    run_dir = Path(info.get("run_dir") or stem.parent.parent)
    real = None if saved.get("synthetic_only") else Path(roadscene or saved.get("roadscene") or default_roadscene)
    if not saved.get("val_list"):
        raise CheckpointError(f"{where}: missing data.val_list (not written by heterotrack train?)")
    spec = DataSpec(real, Path(saved.get("train_list", "")), Path(saved["val_list"]))
    return RunPlan(cfg, mcfg, run_dir, spec, out or Path(info.get("out") or run_dir / "matcher"), command, stem)


def execute(plan: RunPlan, backend: str | None = None, progress: bool = True,
            say: Callable[[str], None] = lambda text: print(text, file=sys.stderr)) -> TrainResult:
    """Train according to ``plan``; rank 0 exports the weights. Raises ``KeyboardInterrupt`` after a clean stop."""
    cfg = plan.cfg
    ctx = init_distributed(backend or ("nccl" if cfg.device.startswith("cuda") else "gloo"))
    try:
        device = pick_device(cfg.device, ctx)
        threads = cfg.threads or (1 if ctx.enabled else 0)
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(cfg.seed)
        model = build_matcher(plan.model_cfg)
        init_info = {}
        if plan.init_from is not None and plan.resume is None:
            model.load_state_dict(load_matcher(plan.init_from)[0].state_dict(), strict=True)
            init_info = {"init_from": str(plan.init_from), "init_from_sha256": _sha256(plan.init_from)}
        data = build_training_data(cfg, plan.spec, with_validation=ctx.is_main)
        data_info = {**data.info, "synthetic_only": plan.spec.roadscene is None,
                     "roadscene": None if plan.spec.roadscene is None else str(plan.spec.roadscene),
                     "val_list": str(plan.spec.val_list), **list_digests(plan.spec, "train_list" in data.info)}
        meta = {"command": plan.command, "model_config": config_to_dict(plan.model_cfg), "data": data_info,
                "run_dir": str(plan.run_dir), "out": str(plan.out), **init_info}
        if ctx.is_main:
            plan.run_dir.mkdir(parents=True, exist_ok=True)
            (plan.run_dir / "config.json").write_text(json.dumps(
                {**meta, "train_config": config_to_dict(cfg), "world_size": ctx.world_size}, indent=1),
                encoding="utf-8")
            say(f"heterotrack train: run {plan.run_dir} on {device} x{ctx.world_size}, {cfg.steps} steps of "
                f"{cfg.batch_size} pairs; data {data_info}")
        trainer = Trainer(cfg, model, data.sampler, plan.run_dir, val=data.val, ctx=ctx, device=device, meta=meta,
                          progress=progress)
        if plan.resume is not None:
            _resume(trainer, plan.resume, ctx, say)
        try:
            result = trainer.fit()
        except KeyboardInterrupt:
            if ctx.is_main:
                say(f"heterotrack train: stopped at step {trainer.step}; checkpoint in {trainer.checkpoint_dir}; "
                    f"continue with: heterotrack train --resume {plan.run_dir}")
            raise
        if ctx.is_main:
            _export(plan, trainer, result, data_info, ctx, say)
        return result
    finally:
        shutdown(ctx)


def _resume(trainer: Trainer, stem: Path, ctx: DistContext, say: Callable[[str], None]) -> None:
    info = trainer.resume(stem)
    if ctx.is_main:
        say(f"heterotrack train: resumed {stem} at step {trainer.step}")
        if info.get("world_size", 1) != ctx.world_size:
            say(f"heterotrack train: note: the run had {info.get('world_size')} process(es), now {ctx.world_size}; "
                "the pairs drawn from here on differ from an uninterrupted run")


def _export(plan: RunPlan, trainer: Trainer, result: TrainResult, data_info: dict, ctx: DistContext,
            say: Callable[[str], None]) -> None:
    extra = {"command": plan.command, "data": data_info, "steps": result.step, "validation": result.validation,
             "final_losses": result.last_losses, "train_config": config_to_dict(plan.cfg),
             "world_size": ctx.world_size, "run_dir": str(plan.run_dir)}
    weights = save_matcher(trainer.model.cpu(), plan.model_cfg, plan.out, extra=finite(extra))
    if result.last_losses:
        say(f"heterotrack train: {result.step} steps; final losses "
            + ", ".join(f"{k} {v:.4f}" for k, v in result.last_losses.items()))
    if result.validation:
        say("heterotrack train: validation " + ", ".join(f"{k} {v:.3f}" for k, v in result.validation.items()))
    print(f"heterotrack train: weights {weights} (+ .json); curves {plan.run_dir / 'curves.png'}")


def pick_device(name: str, ctx: DistContext) -> torch.device:
    """The one device of this process: ``cpu``, ``cuda`` (this rank's GPU under torchrun) or ``cuda:N``."""
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {name} (--device or the preset): CUDA is not available on this machine; "
                              "use --device cpu")
        if name == "cuda":
            return torch.device("cuda", ctx.local_rank if ctx.enabled else torch.cuda.current_device())
    return torch.device(name)


def _sha256(weights: Path) -> str:
    from models.checkpoint import checkpoint_paths

    return hashlib.sha256(checkpoint_paths(weights)[0].read_bytes()).hexdigest()


def list_digests(spec: DataSpec, with_train: bool) -> dict[str, str]:
    """SHA-256 of the split lists the run read, so the weights name their exact data."""
    out = {}
    lists = (("train_list_sha256", spec.train_list),) if with_train else ()
    for key, path in (*lists, ("val_list_sha256", spec.val_list)):
        try:
            out[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            pass
    return out


def finite(value: Any) -> Any:
    """``value`` with NaN/inf floats replaced by None, so metadata stays plain JSON."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
