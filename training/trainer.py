"""The training loop: steps, logging, validation, checkpoints, resume and clean interruption.

:class:`Trainer` works on any model that follows the matcher contract
(``model(template, template_modality, search, search_modality)`` returning
``score``, ``origin``, ``stride`` and optional ``boxes``). Only rank 0 writes
the metrics CSV, the curves PNG and checkpoints. A first Ctrl-C (SIGINT) or a
SIGTERM finishes the current step on every process, saves a checkpoint and
raises ``KeyboardInterrupt``; a second Ctrl-C stops at once.
"""
from __future__ import annotations

import json
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from tqdm import tqdm

from core.config import config_to_dict
from training.batches import BatchStream, DirectionBatch, iterate_batches, to_input
from training.config import TrainConfig
from training.distributed import DistContext, all_reduce_gradients, broadcast_buffers, broadcast_module, fill_missing_grads
from training.labels import make_labels
from training.losses import LossTerms, LossWeights, box_terms, combine, score_terms
from training.metrics import MetricsLog
from training.optim import build_optimizer, build_scheduler
from training.sampler import PairSampler
from training.state import checkpoint_stem, load_train_state, prune_checkpoints, save_train_state
from training.validation import ValSet, evaluate

LOSS_KEYS = ("loss", "cls", "l1", "giou")
MAX_BAD_STEPS = 20


@dataclass
class TrainResult:
    """What a finished (or interrupted) run leaves behind."""

    step: int
    last_losses: dict[str, float] = field(default_factory=dict)
    validation: dict[str, float] = field(default_factory=dict)
    checkpoint: Path | None = None
    skipped_steps: int = 0


def torch_step_seed(seed: int, rank: int, step: int) -> int:
    """Seed of torch's generator for one step of one process (dropout and the like)."""
    return int(np.random.SeedSequence([seed, rank, step, 7]).generate_state(1)[0])


class Trainer:
    """Trains ``model`` on pairs from ``sampler``; writes into ``run_dir`` (rank 0).

    ``plot`` redraws ``curves.png`` after every validation; ``progress`` shows a tqdm bar.
    """

    def __init__(
        self,
        cfg: TrainConfig,
        model: torch.nn.Module,
        sampler: PairSampler,
        run_dir: str | Path,
        val: ValSet | None = None,
        ctx: DistContext = DistContext(),
        device: torch.device | str = "cpu",
        meta: dict[str, Any] | None = None,
        progress: bool = True,
        plot: bool = True,
    ) -> None:
        self.cfg, self.sampler, self.val, self.ctx = cfg, sampler, val, ctx
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.run_dir = Path(run_dir)
        self.meta = dict(meta or {})
        self.progress, self.plot = progress, plot
        self.optimizer = build_optimizer(self.model, cfg)
        self.scheduler = build_scheduler(self.optimizer, cfg)
        self.params = [p for group in self.optimizer.param_groups for p in group["params"]]
        self.weights = LossWeights(cfg.w_cls, cfg.w_l1, cfg.w_giou)
        self.step = 0
        self.resumed = False
        self.validation: dict[str, float] = {}
        self._stop_requested = False

    # ------------------------------------------------------------------ paths

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    @property
    def metrics_path(self) -> Path:
        return self.run_dir / "metrics.csv"

    @property
    def curves_path(self) -> Path:
        return self.run_dir / "curves.png"

    # ------------------------------------------------------------------ state

    def resume(self, stem: str | Path) -> dict[str, Any]:
        """Load a checkpoint written by :meth:`save`; training continues at its step."""
        info = load_train_state(Path(stem), self.model, self.optimizer, self.scheduler)
        self.step = int(info["step"])
        self.resumed = True
        self.validation = dict(info.get("validation", {}))
        return info

    def save(self) -> Path:
        """Write a checkpoint of the current step (rank 0 only; other ranks return the would-be path)."""
        stem = checkpoint_stem(self.checkpoint_dir, self.step)
        if self.ctx.is_main:
            meta = {
                **self.meta,
                "train_config": config_to_dict(self.cfg),
                "world_size": self.ctx.world_size,
                "validation": self.validation,
                "rng": {"scheme": "per-step", "seed": self.cfg.seed,
                        "data": "numpy.random.default_rng([seed, rank, step])",
                        "torch": "torch.manual_seed(SeedSequence([seed, rank, step, 7])) each step; "
                                 "rng.torch holds the state at save time"},
            }
            save_train_state(stem, self.model, self.optimizer, self.scheduler, self.step, meta)
            prune_checkpoints(self.checkpoint_dir, self.cfg.keep_checkpoints)
        return stem

    # ------------------------------------------------------------------ one step

    def losses(self, groups: list[DirectionBatch]) -> dict[str, torch.Tensor]:
        """Forward every direction's sub-batch and combine the class-balanced losses of the whole batch."""
        cfg, dev = self.cfg, self.device
        terms = LossTerms()
        for g in groups:
            out = self.model(to_input(g.template, dev), g.template_modality, to_input(g.search, dev), g.search_modality)
            labels = make_labels(g.center.to(dev), g.negative.to(dev), tuple(out.score.shape[-2:]),
                                 float(out.origin), float(out.stride), cfg.pos_radius, cfg.ignore_radius)
            terms = terms + score_terms(out.score, labels)
            if out.boxes is not None:
                terms = terms + box_terms(out.boxes, g.box_xyxy.to(dev), labels, float(cfg.instance_size))
        return combine(terms, self.weights)

    def train_step(self, groups: list[DirectionBatch]) -> tuple[dict[str, float], bool]:
        """One optimisation step; returns (losses averaged over processes, stop requested anywhere)."""
        torch.manual_seed(torch_step_seed(self.cfg.seed, self.ctx.rank, self.step))
        self.model.train()
        losses = self.losses(groups)
        self.optimizer.zero_grad(set_to_none=True)
        losses["loss"].backward()
        fill_missing_grads(self.params)
        local = [float(losses[k].detach()) for k in LOSS_KEYS] + [1.0 if self._stop_requested else 0.0]
        summed = all_reduce_gradients(self.params, self.ctx, local)
        values = {k: summed[i] / self.ctx.world_size for i, k in enumerate(LOSS_KEYS)}
        stop = summed[-1] > 0
        max_norm = self.cfg.grad_clip if self.cfg.grad_clip > 0 else float("inf")
        norm = torch.nn.utils.clip_grad_norm_(self.params, max_norm)
        ok = bool(torch.isfinite(norm)) and all(np.isfinite(v) for v in values.values())
        lr = float(self.optimizer.param_groups[0]["lr"])
        if ok:
            self.optimizer.step()
        self.scheduler.step()
        broadcast_buffers(self.model, self.ctx)
        self.step += 1
        values["ok"] = 1.0 if ok else 0.0
        values["lr"] = lr
        return values, stop

    # ------------------------------------------------------------------ the loop

    def fit(self, on_step: Callable[["Trainer"], None] | None = None) -> TrainResult:
        """Train from :attr:`step` to ``cfg.steps``. ``on_step`` runs after each step (tests use it)."""
        cfg, ctx = self.cfg, self.ctx
        broadcast_module(self.model, ctx)
        log = MetricsLog(self.metrics_path, resume_step=self.step if self.resumed else None) if ctx.is_main else None
        if ctx.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        if not self.resumed and log is not None:
            self._validate(log)
        stream = BatchStream(self.sampler, cfg.batch_size, cfg.seed, ctx.rank, self.step, cfg.steps)
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not (self.progress and ctx.is_main),
                   desc="train", unit="step", dynamic_ncols=True, file=sys.stderr)
        window = {k: 0.0 for k in LOSS_KEYS}
        window_steps, window_start = 0, time.perf_counter()
        last: dict[str, float] = {}
        skipped = bad_run = 0
        restore = self._install_signal_handlers()
        try:
            for step, groups in iterate_batches(stream, cfg.workers, pin_memory=self.device.type == "cuda"):
                if step != self.step:  # pragma: no cover - a bug, not a user error
                    raise RuntimeError(f"batch stream at step {step}, trainer at {self.step}")
                values, stop = self.train_step(groups)
                if values["ok"]:
                    bad_run = 0
                    last = {k: values[k] for k in LOSS_KEYS}
                    for k in LOSS_KEYS:
                        window[k] += values[k]
                    window_steps += 1
                else:
                    skipped += 1
                    bad_run += 1
                    if bad_run >= MAX_BAD_STEPS:
                        raise FloatingPointError(f"step {self.step}: {bad_run} steps in a row with a non-finite "
                                                 "loss or gradient; lower lr or check the data")
                if on_step is not None:
                    on_step(self)
                bar.update(1)
                if log is not None and (self.step % cfg.log_every == 0 or self.step == cfg.steps) and window_steps:
                    elapsed = max(time.perf_counter() - window_start, 1e-9)
                    row = {k: window[k] / window_steps for k in LOSS_KEYS}
                    row.update(step=self.step, epoch=self.epoch, lr=values["lr"],
                               samples_per_s=window_steps * cfg.batch_size * ctx.world_size / elapsed)
                    log.append(row)
                    bar.set_postfix(loss=f"{row['loss']:.3f}", lr=f"{row['lr']:.2e}", refresh=False)
                    window = {k: 0.0 for k in LOSS_KEYS}
                    window_steps, window_start = 0, time.perf_counter()
                if log is not None and (self.step % cfg.epoch_steps == 0 or self.step == cfg.steps):
                    self._validate(log)
                    window_start = time.perf_counter()  # validation time is not training throughput
                if self.step % cfg.checkpoint_every == 0 and self.step != cfg.steps:
                    self.save()
                # Distributed: stop only on the all-reduced flag, so every process stops after the same step.
                if stop or (self._stop_requested and not ctx.enabled):
                    stem = self.save()
                    raise KeyboardInterrupt(f"stopped at step {self.step}; checkpoint {stem}")
            stem = self.save()
        finally:
            restore()
            bar.close()
        return TrainResult(self.step, last, dict(self.validation), stem, skipped)

    @property
    def epoch(self) -> int:
        """1-based epoch of the last completed step."""
        return max(1, -(-self.step // self.cfg.epoch_steps))

    def _validate(self, log: MetricsLog) -> None:
        if self.val is not None and self.val.batches:
            self.validation = evaluate(self.model, self.val, self.device, self.cfg.val_batch)
            log.append({"step": self.step, "epoch": self.epoch if self.step else 0, **self.validation})
            (self.run_dir / "validation.json").write_text(
                json.dumps({"step": self.step, "source": self.val.source, **self.validation}, indent=1),
                encoding="utf-8")
        if self.plot:
            from training.plots import plot_curves  # matplotlib is slow to import; only when drawing

            plot_curves(self.metrics_path, self.curves_path)

    def request_stop(self) -> None:
        """Ask the loop to finish the current step, save and stop (what Ctrl-C does)."""
        self._stop_requested = True

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum, frame):  # first signal: stop cleanly; a second Ctrl-C stops at once
            self.request_stop()
            signal.signal(signal.SIGINT, signal.default_int_handler)

        for sig in previous:
            signal.signal(sig, handler)

        def restore() -> None:
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore
