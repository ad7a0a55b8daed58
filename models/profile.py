"""Model cost: parameters, FLOPs (``torch.utils.flop_counter``) and CPU time per query.

A *query* is what the tracker pays per target and frame in the worst case:
one visible template encode (``exemplar_size``) plus one infrared search
match (``instance_size``), batch 1. Timings run round-robin over all the
models being compared (one query each per round), so load from other
processes hits them alike; the minimum is the best estimate of the
uncontended time. Run ``python -m models.profile --help``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from models.config import BACKBONE_CHOICES, FUSION_CHOICES, STRATEGY_CHOICES, MatcherConfig
from models.matcher import Matcher
from models.registry import build_matcher


@dataclass(frozen=True)
class Timing:
    """Milliseconds per query over ``runs`` timed repetitions.

    ``median_ms``/``min_ms``/``mean_ms`` are wall clock. ``cpu_ms`` is the
    median process CPU time: with one thread it is about the work itself;
    with more threads it also counts threads waiting at barriers.
    """

    median_ms: float
    min_ms: float
    mean_ms: float
    cpu_ms: float
    runs: int
    threads: int


@dataclass(frozen=True)
class ProfileRow:
    """Cost of one configuration; ``deployed`` times :meth:`Matcher.inference_copy`, ``eval`` the plain model."""

    backbone: str
    strategy: str
    fusion: str
    width: float
    instance_size: int
    params: int
    gflops: float
    eval: Timing | None
    deployed: Timing | None


def count_parameters(model: nn.Module) -> int:
    """Distinct parameter elements (shared modules counted once)."""
    return sum(p.numel() for p in model.parameters())


def _query_inputs(cfg: MatcherConfig, search_batch: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    template = torch.rand(1, 3, cfg.exemplar_size, cfg.exemplar_size, generator=g)
    search = torch.rand(search_batch, 1, cfg.instance_size, cfg.instance_size, generator=g)
    return template, search


def _query(model: Matcher, template: torch.Tensor, search: torch.Tensor) -> None:
    z = model.encode_template(template, "visible")
    model.match(z, search, "infrared")


def count_flops(model: Matcher, cfg: MatcherConfig, search_batch: int = 1) -> int:
    """FLOPs (multiply and add counted separately) of one query, as FlopCounterMode counts them."""
    template, search = _query_inputs(cfg, search_batch)
    model.eval()
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        _query(model, template, search)
    return counter.get_total_flops()


def time_queries(
    models: Sequence[tuple[Matcher, MatcherConfig]], warmup: int = 3, runs: int = 10, threads: int = 2,
) -> list[Timing]:
    """Per-query timings of several models, measured round-robin with ``threads`` intra-op threads."""
    inputs = [_query_inputs(cfg) for _, cfg in models]
    for model, _ in models:
        model.eval()
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    wall: list[list[float]] = [[] for _ in models]
    cpu: list[list[float]] = [[] for _ in models]
    try:
        with torch.inference_mode():
            for (model, _), (template, search) in zip(models, inputs):
                for _ in range(warmup):
                    _query(model, template, search)
            for _ in range(runs):
                for k, ((model, _), (template, search)) in enumerate(zip(models, inputs)):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    _query(model, template, search)
                    wall[k].append((time.perf_counter() - start) * 1000.0)
                    cpu[k].append((time.process_time() - start_cpu) * 1000.0)
    finally:
        torch.set_num_threads(previous)
    return [Timing(statistics.median(w), min(w), statistics.fmean(w), statistics.median(c), runs, threads)
            for w, c in zip(wall, cpu)]


def time_query(model: Matcher, cfg: MatcherConfig, warmup: int = 3, runs: int = 10, threads: int = 2) -> Timing:
    """Milliseconds per query of one model with ``threads`` intra-op threads (restored afterwards)."""
    return time_queries([(model, cfg)], warmup, runs, threads)[0]


def profile_configs(
    cfgs: Sequence[MatcherConfig], warmup: int = 3, runs: int = 10, threads: int = 2,
) -> list[ProfileRow]:
    """Parameters, GFLOPs and (when ``runs`` > 0) eval and deployed timings of fresh ``cfgs`` models."""
    built = [build_matcher(cfg).eval() for cfg in cfgs]
    timings: list[Timing | None] = [None] * (2 * len(cfgs))
    if runs > 0:
        pairs = [(m, c) for m, c in zip(built, cfgs)] + [(m.inference_copy(), c) for m, c in zip(built, cfgs)]
        timings = list(time_queries(pairs, warmup, runs, threads))
    n = len(cfgs)
    return [
        ProfileRow(cfg.backbone, cfg.strategy, cfg.fusion, cfg.width, cfg.instance_size, count_parameters(model),
                   count_flops(model, cfg) / 1e9, timings[k], timings[n + k])
        for k, (model, cfg) in enumerate(zip(built, cfgs))
    ]


def profile_config(cfg: MatcherConfig, warmup: int = 3, runs: int = 10, threads: int = 2) -> ProfileRow:
    """:func:`profile_configs` for one configuration."""
    return profile_configs([cfg], warmup, runs, threads)[0]


def format_table(rows: Sequence[ProfileRow]) -> str:
    """Markdown table of profile rows."""
    lines = [
        "| backbone | strategy | fusion | width | search | params (M) | GFLOPs | deployed ms min / median "
        "| deployed CPU ms | eval ms min / median |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(t: Timing | None) -> str:
        return f"{t.min_ms:.1f} / {t.median_ms:.1f}" if t else "-"

    for r in rows:
        cpu = f"{r.deployed.cpu_ms:.1f}" if r.deployed else "-"
        lines.append(f"| {r.backbone} | {r.strategy} | {r.fusion} | {r.width:g} | {r.instance_size} "
                     f"| {r.params / 1e6:.3f} | {r.gflops:.3f} | {cell(r.deployed)} | {cpu} | {cell(r.eval)} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--backbones", nargs="+", default=list(BACKBONE_CHOICES), choices=BACKBONE_CHOICES)
    parser.add_argument("--fusions", nargs="+", default=list(FUSION_CHOICES), choices=FUSION_CHOICES)
    parser.add_argument("--strategy", default="low-sep-high-share", choices=STRATEGY_CHOICES)
    parser.add_argument("--widths", nargs="+", type=float, default=[1.0])
    parser.add_argument("--instance-sizes", nargs="+", type=int, default=[MatcherConfig.instance_size])
    parser.add_argument("--channels", type=int, default=MatcherConfig.channels)
    parser.add_argument("--multi-feature", action="store_true")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10, help="timed rounds (0: no timing)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    cfgs = [
        MatcherConfig(backbone=b, fusion=f, strategy=args.strategy, width=w, instance_size=i,
                      channels=args.channels, multi_feature=args.multi_feature)
        for b in args.backbones for f in args.fusions for w in args.widths for i in args.instance_sizes
    ]
    load_start = os.getloadavg()[0]
    rows = profile_configs(cfgs, args.warmup, args.runs, args.threads)
    print(f"threads {args.threads}, {args.warmup} warm-up + {args.runs} round-robin timed queries per model; "
          f"load average {load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
