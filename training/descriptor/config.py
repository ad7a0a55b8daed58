"""`DescriptorTrainConfig`: every setting of a descriptor training run (frozen, unknown keys rejected)."""
from __future__ import annotations

from dataclasses import dataclass

from core.errors import ConfigError


class DescriptorTrainConfigError(ConfigError, ValueError):
    """A training setting with a value the run cannot use."""


@dataclass(frozen=True)
class DescriptorTrainConfig:
    steps: int = 1000                 # optimiser steps (validation wandered at lr ~1e-3 in 3000-step runs)
    batch: int = 16                   # queries per step
    lr: float = 2e-3                  # AdamW peak learning rate (cosine decay after warm-up)
    warmup_steps: int = 100
    weight_decay: float = 1e-4
    temperature: float = 20.0         # initial softmax temperature on the NCC map (learned, log-parametrised)
    ignore_radius: int = 2            # placements within this many pixels of the truth are neither right nor wrong
    seed: int = 0
    scales: tuple[float, ...] = (1.0, 0.8, 0.65, 0.5)  # image scales the queries are drawn at
    boxes_per_image: int = 24         # structured boxes drawn per training pair and scale
    window_scale: float = 2.5         # search window side / box side, as eval-match's queries
    cross_fraction: float = 0.8       # share of cross-modal queries (the rest match within one modality)
    photometric_prob: float = 0.8     # chance that a region gets random gamma/contrast/blur/noise/JPEG
    geometric_prob: float = 0.5       # chance that the search region is warped by a small random affine map
    rotate_max_deg: float = 4.0       # ... rotation, isotropic scale and shear bounds (frame-to-frame change and
    scale_max: float = 0.05           #     imperfect registration, which aligned stills never show)
    shear_max: float = 0.03
    invert_ir_prob: float = 0.2       # chance of IR polarity inversion (white-hot <-> black-hot)
    # Tracking-like queries from the synthetic scene generator (training/descriptor/synthetic.py): their share
    # of the queries, how many scenes (presets in turn, all but demo unless listed) of how many frames, the
    # first scene's seed (the benchmark renders seeds 3-51 and its dev set 101 and 202), and how many kept
    # frames apart the template's and the search's frames may be.
    synthetic_fraction: float = 0.0
    synthetic_scenes: int = 14
    synthetic_frames: int = 16
    synthetic_seed: int = 1000
    synthetic_presets: tuple[str, ...] = ()
    synthetic_max_gap: int = 6
    # Queries cut as eval-match's context band runs them (models/classic/context.py): the template is the box
    # grown by ``context`` mean sides on every side, the search every placement of the box in the window, the
    # query shrunk so that the grown template's mean side is ``context_side``; features beyond the image are
    # zero. 0 = the box alone (the shipped weights' recipe). Validation then matches with the same band.
    context: float = 0.0
    context_side: float = 64.0
    val_every: int = 250              # steps between validations (and checkpoints)
    val_queries: int = 360            # validation queries (5 per validation pair, both directions, seed 0)
    keep_checkpoints: int = 3
    threads: int = 1                  # torch threads

    def __post_init__(self) -> None:
        for name in ("synthetic_scenes", "synthetic_frames", "synthetic_max_gap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DescriptorTrainConfigError(f"{name}: expected a positive integer, got {value!r}")
        if isinstance(self.synthetic_presets, str) or not all(isinstance(p, str) for p in self.synthetic_presets):
            raise DescriptorTrainConfigError(f"synthetic_presets: expected a list of preset names, "
                                             f"got {self.synthetic_presets!r}")
        if isinstance(self.synthetic_seed, bool) or not isinstance(self.synthetic_seed, int):
            raise DescriptorTrainConfigError(f"synthetic_seed: expected an integer, got {self.synthetic_seed!r}")
        for name in ("steps", "batch", "val_every", "val_queries", "boxes_per_image", "keep_checkpoints", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DescriptorTrainConfigError(f"{name}: expected a positive integer, got {value!r}")
        if not isinstance(self.ignore_radius, int) or self.ignore_radius < 0:
            raise DescriptorTrainConfigError(f"ignore_radius: expected an integer >= 0, got {self.ignore_radius!r}")
        if not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise DescriptorTrainConfigError(f"warmup_steps: expected an integer >= 0, got {self.warmup_steps!r}")
        for name in ("lr", "temperature"):
            if not getattr(self, name) > 0:
                raise DescriptorTrainConfigError(f"{name}: expected a positive number, got {getattr(self, name)!r}")
        if self.weight_decay < 0:
            raise DescriptorTrainConfigError(f"weight_decay: expected >= 0, got {self.weight_decay!r}")
        if not self.scales or any(not 0.2 <= s <= 2.0 for s in self.scales):
            raise DescriptorTrainConfigError(f"scales: expected values in [0.2, 2], got {self.scales!r}")
        if not 0.0 <= self.context <= 4.0 or not 16.0 <= self.context_side <= 512.0:
            raise DescriptorTrainConfigError(f"context / context_side: expected [0, 4] and [16, 512], got "
                                             f"{self.context!r} / {self.context_side!r}")
        if self.window_scale < 1.2:
            raise DescriptorTrainConfigError(f"window_scale: expected at least 1.2, got {self.window_scale!r}")
        for name in ("rotate_max_deg", "scale_max", "shear_max"):
            if not 0.0 <= getattr(self, name) <= 30.0:
                raise DescriptorTrainConfigError(f"{name}: expected a number in [0, 30], got {getattr(self, name)!r}")
        for name in ("cross_fraction", "photometric_prob", "invert_ir_prob", "geometric_prob", "synthetic_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise DescriptorTrainConfigError(f"{name}: expected a probability in [0, 1], got {getattr(self, name)!r}")
