"""The descriptor training loop: softmax cross-entropy on the NCC map, resumable, logged as it goes.

Each query's loss is the cross-entropy of ``softmax(tau * NCC)`` over every
placement of the template in its search window, against the true placement:
it pushes the correct match above *every* other position of the window at
once, which is exactly what the dense matcher's argmax needs. Placements
within ``ignore_radius`` pixels of the truth are left out of the softmax: they
overlap the target almost entirely, and the sub-pixel parabola sorts them out,
so the loss spends itself on the distant false peaks that make the matcher
fail (with them in, the loss mostly rewards a sharper peak, and validation
did not move in 400 steps). ``tau`` is learned (log-parametrised) beside the
network.

A checkpoint (``checkpoints/step_*.safetensors`` + ``.json``, via
:mod:`training.state`) is written at every validation and on a clean stop
(Ctrl-C or SIGTERM); ``--resume`` continues bit for bit, including the data
generator's state. ``metrics.csv`` gains a row per validation and
``curves.png`` is redrawn each time, so nothing computed is lost.
"""
from __future__ import annotations

import csv
import math
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from evaluation.metrics import prediction_ious
from evaluation.queries import PairStore, Query
from models.descriptor.matcher import DescriptorMatcher
from models.descriptor.ncc import zncc_map
from models.descriptor.network import DescriptorNet
from training.descriptor.config import DescriptorTrainConfig
from training.descriptor.data import QuerySampler
from training.descriptor.data import Query as TrainQuery
from training.state import checkpoint_stem, load_train_state, prune_checkpoints, save_train_state

METRICS_HEADER = ("step", "loss", "tau", "lr", "val_miou", "val_p50", "val_p70", "val_miou_vis_ir", "val_miou_ir_vis",
                  "elapsed_s")


class TrainModel(nn.Module):
    """What the optimiser updates: the network and the log-temperature of the softmax."""

    def __init__(self, net: DescriptorNet, temperature: float):
        super().__init__()
        self.net = net
        self.log_tau = nn.Parameter(torch.tensor(math.log(temperature)))

    def query_loss(self, q: TrainQuery, margin: int, ignore_radius: int = 0) -> torch.Tensor:
        def features(inputs, modality):
            cfog, grey = (torch.from_numpy(a)[None] for a in inputs)
            out = self.net(cfog, grey, modality)[0]
            return out[:, margin: out.shape[1] - margin, margin: out.shape[2] - margin]

        search = features(q.search, q.search_modality)
        if q.search_valid is not None:  # beyond the image the features are zeros, as eval-match pads them
            valid = q.search_valid[margin: q.search_valid.shape[0] - margin, margin: q.search_valid.shape[1] - margin]
            search = search * torch.from_numpy(np.ascontiguousarray(valid))[None].to(search.dtype)
        response = zncc_map(search, features(q.template, q.template_modality))
        logits = response * self.log_tau.exp()
        i, j = q.offset
        if ignore_radius > 0:
            r = ignore_radius
            near = torch.zeros_like(logits, dtype=torch.bool)
            near[max(0, i - r): i + r + 1, max(0, j - r): j + r + 1] = True
            near[i, j] = False
            logits = logits.masked_fill(near, -1e4)
        target = torch.tensor([i * response.shape[1] + j])
        logits = logits.reshape(1, -1)
        return F.cross_entropy(logits, target)


@dataclass
class Validation:
    miou: float
    p50: float
    p70: float
    by_direction: dict[str, float]
    ms_per_query: float


def validate(net: DescriptorNet, queries: list[Query], store: PairStore, progress: bool = False,
             context: float = 0.0, context_side: float = 0.0) -> Validation:
    """eval-match's numbers for ``net`` on ``queries`` (validation pairs only), with that context band."""
    was_training = net.training
    matcher = DescriptorMatcher(net, context=context, context_side=context_side)
    ious, directions = [], []
    start = time.perf_counter()
    for q in tqdm(queries, desc="validate", unit="query", leave=False, disable=not progress):
        t_img, s_img = store.images(q)
        box = matcher.match(t_img, q.template_box, s_img, q.search_window).box
        ious.append(float(prediction_ious(np.array([box]), np.array([q.template_box]))[0]))
        directions.append("vis→IR" if q.template_modality == "visible" else "IR→vis")
    ms = (time.perf_counter() - start) * 1e3 / max(1, len(queries))
    net.train(was_training)
    arr, dirs = np.asarray(ious), np.asarray(directions)
    by = {d: float(arr[dirs == d].mean()) for d in ("vis→IR", "IR→vis") if (dirs == d).any()}
    return Validation(float(arr.mean()), float((arr >= 0.5).mean()), float((arr >= 0.7).mean()), by, ms)


class DescriptorTrainer:
    """Owns the optimiser and the run directory; the network itself stays stateless."""

    def __init__(self, cfg: DescriptorTrainConfig, net: DescriptorNet, sampler: QuerySampler,
                 val_queries: list[Query], val_store: PairStore, run_dir: Path, meta: dict[str, Any],
                 progress: bool = True):
        self.cfg = cfg
        self.model = TrainModel(net, cfg.temperature)
        self.sampler = sampler
        self.val_queries, self.val_store = val_queries, val_store
        self.run_dir = Path(run_dir)
        self.meta = meta
        self.progress = progress
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        self.step = 0
        self.rng = np.random.default_rng(cfg.seed)
        self.best: dict[str, Any] | None = None
        self._stop = False

    @property
    def net(self) -> DescriptorNet:
        return self.model.net

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def _lr_factor(self, step: int) -> float:
        warm = min(1.0, (step + 1) / self.cfg.warmup_steps) if self.cfg.warmup_steps else 1.0
        return warm * 0.5 * (1.0 + math.cos(math.pi * min(step, self.cfg.steps) / self.cfg.steps))

    # ------------------------------------------------------------------ state

    def save(self) -> Path:
        meta = {**self.meta, "rng": self.rng.bit_generator.state, "best": self.best}
        path = save_train_state(checkpoint_stem(self.checkpoint_dir, self.step), self.model, self.optimizer,
                                self.scheduler, self.step, meta)
        prune_checkpoints(self.checkpoint_dir, self.cfg.keep_checkpoints)
        return path

    def resume(self, stem: Path) -> None:
        info = load_train_state(stem, self.model, self.optimizer, self.scheduler)
        self.step = int(info["step"])
        self.rng.bit_generator.state = info["rng"]
        self.best = info.get("best")

    # ------------------------------------------------------------------ loop

    def train_step(self) -> float:
        margin = self.sampler.margin
        losses = [self.model.query_loss(self.sampler.draw(self.rng), margin, self.cfg.ignore_radius)
                  for _ in range(self.cfg.batch)]
        loss = torch.stack(losses).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return float(loss.detach())

    def fit(self, on_validation: Callable[["DescriptorTrainer", Validation], None] | None = None) -> Validation | None:
        """Train to ``cfg.steps``; validate, log and checkpoint every ``val_every`` steps and at the end."""
        self.model.train()
        restore = self._install_signal_handlers()
        last: Validation | None = None
        started = time.perf_counter()
        losses: list[float] = []
        try:
            if self.step == 0 and not self._metrics_path.exists():
                last = self._validate(float("nan"), started)
                if on_validation:
                    on_validation(self, last)
            bar = tqdm(total=self.cfg.steps, initial=self.step, desc="train-descriptor", unit="step",
                       disable=not self.progress, dynamic_ncols=True)
            while self.step < self.cfg.steps and not self._stop:
                losses.append(self.train_step())
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", tau=f"{self.model.log_tau.exp().item():.1f}")
                if self.step % self.cfg.val_every == 0 or self.step == self.cfg.steps:
                    last = self._validate(float(np.mean(losses)) if losses else float("nan"), started)
                    losses.clear()
                    self.save()
                    if on_validation:
                        on_validation(self, last)
            bar.close()
            if self._stop and self.step % self.cfg.val_every:
                self.save()
        finally:
            restore()
        return last

    @property
    def stopped_early(self) -> bool:
        return self._stop and self.step < self.cfg.steps

    @property
    def _metrics_path(self) -> Path:
        return self.run_dir / "metrics.csv"

    def _validate(self, loss: float, started: float) -> Validation:
        v = validate(self.net, self.val_queries, self.val_store, progress=self.progress,
                     context=self.cfg.context, context_side=self.cfg.context_side)
        row = {"step": self.step, "loss": loss, "tau": float(self.model.log_tau.detach().exp()),
               "lr": self.optimizer.param_groups[0]["lr"], "val_miou": v.miou, "val_p50": v.p50, "val_p70": v.p70,
               "val_miou_vis_ir": v.by_direction.get("vis→IR", float("nan")),
               "val_miou_ir_vis": v.by_direction.get("IR→vis", float("nan")),
               "elapsed_s": time.perf_counter() - started}
        new = not self._metrics_path.exists()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self._metrics_path, "a", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=METRICS_HEADER)
            if new:
                writer.writeheader()
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        plot_curves(self._metrics_path, self.run_dir / "curves.png")
        if self.best is None or v.miou > self.best["val_miou"]:
            self.best = {"step": self.step, "val_miou": v.miou}
        return v

    def request_stop(self) -> None:
        self._stop = True

    def _install_signal_handlers(self) -> Callable[[], None]:
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum, frame):  # first signal: stop after this step and checkpoint; a second one at once
            if self._stop:
                raise KeyboardInterrupt
            self._stop = True

        try:
            for s in previous:
                signal.signal(s, handler)
        except ValueError:  # not the main thread (tests): no handlers
            return lambda: None

        def restore() -> None:
            for s, h in previous.items():
                signal.signal(s, h)
        return restore


def plot_curves(metrics: Path, out: Path) -> None:
    """Loss and validation mIoU against the step, from ``metrics.csv``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(metrics, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return
    steps = [int(r["step"]) for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.plot(steps, [float(r["loss"]) for r in rows], "o-")
    a.set_xlabel("step"), a.set_ylabel("train loss (cross-entropy)")
    for key, label in (("val_miou", "all"), ("val_miou_vis_ir", "vis→IR"), ("val_miou_ir_vis", "IR→vis")):
        b.plot(steps, [float(r[key]) for r in rows], "o-", label=label)
    b.set_xlabel("step"), b.set_ylabel("validation mIoU"), b.legend()
    fig.tight_layout()
    tmp = out.with_name(out.name + ".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(out)
