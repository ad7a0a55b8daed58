"""Training settings: the frozen :class:`TrainConfig`, its presets, and layered loading.

Settings are layered: dataclass defaults, then a preset (``cpu``, ``tiny``,
``gpu``), then the ``[train]`` table of a TOML file, then ``--set key=value``
overrides. Model settings travel beside them as a plain table (``[model]`` in
the TOML file, ``--set model.key=value``) that the command turns into a
``MatcherConfig``. Unknown keys are rejected with the key and its origin.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from core.config import config_from_mapping, read_config_file
from core.errors import ConfigError

DIRECTIONS = ("visible>infrared", "infrared>visible", "visible>visible", "infrared>infrared")
"""Pair directions as ``"template_modality>search_modality"``, in the order of the ``mix_*`` fields."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run except the model architecture."""

    # Run length, optimisation
    seed: int = 0
    steps: int = 2000
    batch_size: int = 16
    epoch_steps: int = 250  # a validation pass, a plot and a CSV validation row every this many steps
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    min_lr_ratio: float = 0.02  # the cosine ends at lr * min_lr_ratio
    grad_clip: float = 5.0  # max global gradient norm; 0 turns clipping off
    device: str = "cpu"
    threads: int = 0  # torch intra-op threads per process; 0 keeps torch's default
    workers: int = 0  # data-loading worker processes (0 = in the training process); 1 on CPU, more on a GPU
    # Data sources
    synthetic_fraction: float = 0.3  # share of pairs drawn from synthetic scenes
    synthetic_scenes: int = 16
    synthetic_frames: int = 24  # frames rendered per synthetic scene (over the preset's whole story)
    synthetic_presets: tuple[str, ...] = ()  # synth.scene presets to cycle through; empty = all
    max_frame_gap: int = 6  # template/search frames of a synthetic scene are at most this many kept frames apart
    boxes_per_image: int = 48  # structured boxes drawn (once, lazily) per RoadScene image
    # Pairs
    mix_vis_to_ir: float = 0.35
    mix_ir_to_vis: float = 0.35
    mix_vis_to_vis: float = 0.15
    mix_ir_to_ir: float = 0.15
    negative_fraction: float = 0.15  # pairs whose template shows something else: all-negative labels
    context: float = 0.5
    exemplar_size: int = 127
    instance_size: int = 255
    max_offset: float = 64.0  # target centre displacement in the search crop, instance-crop pixels
    scale_jitter: float = 0.1  # search scale factor log-uniform in [1/(1+j), 1+j]
    # Photometric augmentation (each crop independently; IR inversion per pair)
    gamma_range: tuple[float, float] = (0.7, 1.5)
    contrast_range: tuple[float, float] = (0.7, 1.3)
    blur_prob: float = 0.2
    blur_sigma_max: float = 1.5
    noise_prob: float = 0.3
    noise_std_max: float = 8.0  # grey levels
    ir_invert_prob: float = 0.1
    jpeg_prob: float = 0.3
    jpeg_quality_min: int = 30
    # Geometric augmentation of the search crop relative to the template (imperfect registration)
    geom_prob: float = 0.5
    rotate_max_deg: float = 4.0
    geom_scale_max: float = 0.05
    shear_max: float = 0.04
    # Labels and loss
    pos_radius: float = 16.0  # crop pixels around the target centre that are positive
    ignore_radius: float = 0.0  # cells between pos_radius and this are ignored; <= pos_radius: no ring
    w_cls: float = 1.0
    w_l1: float = 5.0
    w_giou: float = 2.0
    # Validation, logging, checkpoints
    val_pairs: int = 64  # per direction (visible>infrared and infrared>visible)
    val_seed: int = 12345
    val_batch: int = 16
    log_every: int = 10
    checkpoint_every: int = 500
    keep_checkpoints: int = 3

    def __post_init__(self) -> None:
        positive_ints = ("steps", "batch_size", "epoch_steps", "exemplar_size", "instance_size", "val_batch",
                         "log_every", "checkpoint_every", "keep_checkpoints", "synthetic_scenes",
                         "boxes_per_image", "max_frame_gap")
        for name in positive_ints:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("warmup_steps", "threads", "val_pairs"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.synthetic_frames < 2:
            raise ValueError(f"synthetic_frames must be at least 2, got {self.synthetic_frames}")
        if not 0 <= self.workers <= 16:
            raise ValueError(f"workers must be within [0, 16], got {self.workers}")
        probs = ("synthetic_fraction", "negative_fraction", "blur_prob", "noise_prob", "ir_invert_prob",
                 "jpeg_prob", "geom_prob", "min_lr_ratio")
        for name in probs:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)}")
        mix = self.direction_weights
        if min(mix) < 0 or sum(mix) <= 0:
            raise ValueError(f"mix_* weights must be non-negative with a positive sum, got {mix}")
        for name in ("lr", "context", "pos_radius"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("weight_decay", "grad_clip", "max_offset", "scale_jitter", "blur_sigma_max", "noise_std_max",
                     "rotate_max_deg", "geom_scale_max", "shear_max", "w_cls", "w_l1", "w_giou", "ignore_radius"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        for name in ("gamma_range", "contrast_range"):
            lo_hi = getattr(self, name)
            if len(lo_hi) != 2 or not 0 < lo_hi[0] <= lo_hi[1]:
                raise ValueError(f"{name} must be two numbers 0 < low <= high, got {lo_hi}")
        if not 1 <= self.jpeg_quality_min <= 100:
            raise ValueError(f"jpeg_quality_min must be within [1, 100], got {self.jpeg_quality_min}")
        if self.max_offset > self.instance_size / 2:
            raise ValueError(f"max_offset {self.max_offset} puts the target outside the {self.instance_size} crop")
        if self.device != "cpu" and not self.device.startswith("cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda[:N]', got {self.device!r}")

    @property
    def direction_weights(self) -> tuple[float, float, float, float]:
        """The ``mix_*`` weights in the order of :data:`DIRECTIONS`."""
        return (self.mix_vis_to_ir, self.mix_ir_to_vis, self.mix_vis_to_vis, self.mix_ir_to_ir)


PRESETS: dict[str, dict[str, Any]] = {
    # About 2 hours of the default model on the shared 2-core CPU: one torch thread for the model and one
    # loader worker for the crops (two torch threads stall badly whenever another process holds a core).
    # Measured (docs/TRAINING.md): ~0.5 s a step at batch 8 on a quiet machine, 0.65-0.8 s when shared,
    # so 10000 steps take ~85 min quiet and ~2 h shared.
    "cpu": {"steps": 10000, "batch_size": 8, "epoch_steps": 250, "warmup_steps": 300, "threads": 1, "workers": 1,
            "checkpoint_every": 500, "val_pairs": 48, "log_every": 10},
    # A few steps on tiny data, for tests and smoke runs.
    "tiny": {"steps": 4, "batch_size": 4, "epoch_steps": 2, "warmup_steps": 1, "synthetic_scenes": 2,
             "synthetic_frames": 6, "max_frame_gap": 3, "boxes_per_image": 4, "val_pairs": 4, "val_batch": 4,
             "log_every": 1, "checkpoint_every": 2, "keep_checkpoints": 2},
    # A lent GPU (16 CPU cores beside it): bigger batches, more steps, loader workers to keep it fed.
    "gpu": {"steps": 20000, "batch_size": 64, "epoch_steps": 1000, "warmup_steps": 500, "lr": 2e-3,
            "device": "cuda", "workers": 8, "synthetic_scenes": 48, "checkpoint_every": 1000, "val_pairs": 128,
            "val_batch": 64, "log_every": 20},
}


def parse_set(items: list[str] | tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``key=value`` overrides into (train, model) tables.

    Values are read as TOML values (``3``, ``0.5``, ``true``, ``[1, 2]``,
    ``"text"``); anything that is not valid TOML is taken as a bare string.
    Keys starting with ``model.`` go to the model table.
    """
    train: dict[str, Any] = {}
    model: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item}: expected key=value")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        if key.startswith("model."):
            model[key[len("model."):]] = value
        else:
            train[key] = value
    return train, model


def resolve_config(
    preset: str | None = None,
    config_file: str | Path | None = None,
    sets: list[str] | tuple[str, ...] = (),
) -> tuple[TrainConfig, dict[str, Any]]:
    """Layer defaults, a preset, a TOML file and ``--set`` items into (TrainConfig, model table)."""
    train: dict[str, Any] = {}
    model: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise ConfigError(f"--preset {preset}: unknown preset (known: {', '.join(PRESETS)})")
        train.update(PRESETS[preset])
    source = "defaults" if preset is None else f"preset {preset}"
    if config_file is not None:
        file_train, file_model = _read_toml(Path(config_file))
        _check_keys(file_train, f"{config_file} [train]")
        train.update(file_train)
        model.update(file_model)
        source = f"{config_file}"
    set_train, set_model = parse_set(list(sets))
    _check_keys(set_train, "--set")
    train.update(set_train)
    model.update(set_model)
    if set_train:
        source = "--set"
    return config_from_mapping(TrainConfig, train, source=source), model


def override_config(cfg: TrainConfig, changes: Mapping[str, Any], source: str) -> TrainConfig:
    """A copy of ``cfg`` with ``changes`` applied and checked like a fresh load."""
    _check_keys(changes, source)
    merged = {**config_dict(cfg), **changes}
    return config_from_mapping(TrainConfig, merged, source=source)


def config_dict(cfg: TrainConfig) -> dict[str, Any]:
    """The config as a plain dict (tuples kept)."""
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}


def _check_keys(data: Mapping[str, Any], source: str) -> None:
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: unknown key '{key}' for TrainConfig (known keys: {', '.join(sorted(known))})")


def _read_toml(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    data = read_config_file(path)
    extra = [k for k in data if k not in ("train", "model")]
    if extra:
        raise ConfigError(f"{path}: unknown table or key '{extra[0]}' (expected [train] and/or [model])")
    for table in ("train", "model"):
        if table in data and not isinstance(data[table], dict):
            raise ConfigError(f"{path}: '{table}' must be a table [{table}]")
    return dict(data.get("train", {})), dict(data.get("model", {}))
