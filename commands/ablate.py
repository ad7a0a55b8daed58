"""``heterotrack ablate``: train every matcher variant on one budget and compare them with eval-match.

Each variant trains in its own run directory under ``--root`` with the same
settings (``--preset`` then ``--set``), then is scored on the same queries as
the others, beside CFOG. Rows are kept in ``ROOT/rows.jsonl`` as they finish,
so rerunning the same command skips finished variants and resumes a
half-trained one. See docs/EVAL_MATCH.md ("Ablation").
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from core.errors import ConfigError, InputError

EPILOG = """examples:
  heterotrack ablate --queries out/eval_match/val_queries.csv --set steps=300 \\
      --set model.structure_bins=8 --out docs/benchmarks/ablation_2026-11-22
  heterotrack ablate ... --grid                 every strategy x backbone x fusion (30 variants)
  heterotrack ablate ... --only base fusion=xcorr
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from commands.train import DEFAULT_ROADSCENE, DEFAULT_TRAIN_LIST, DEFAULT_VAL_LIST

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--queries", required=True, metavar="FILE.csv",
                        help="eval-match queries, drawn from validation pairs only (checked against --train-list)")
    parser.add_argument("--pairs", default=str(DEFAULT_ROADSCENE), metavar="DIR",
                        help="aligned pairs the queries name, and the RoadScene training data "
                             "(default: ../shared/data/roadscene)")
    parser.add_argument("--out", required=True, metavar="STEM", help="reports STEM.md and STEM.json")
    parser.add_argument("--root", default="runs/ablation", metavar="DIR",
                        help="run directories, predictions and rows.jsonl (default: runs/ablation)")
    parser.add_argument("--preset", choices=("cpu", "tiny", "gpu"), default="cpu",
                        help="training preset of every variant (default: cpu)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="training setting for every variant (repeatable); model.KEY=VALUE sets the base model")
    parser.add_argument("--grid", action="store_true",
                        help="every strategy x backbone x fusion instead of one factor at a time")
    parser.add_argument("--only", nargs="+", metavar="VARIANT", help="run only these variants (names as listed)")
    parser.add_argument("--no-homologous", action="store_true",
                        help="skip the base model's vis→vis row")
    parser.add_argument("--list", action="store_true", help="print the variants and stop")
    parser.add_argument("--train-list", default=str(DEFAULT_TRAIN_LIST), metavar="FILE")
    parser.add_argument("--val-list", default=str(DEFAULT_VAL_LIST), metavar="FILE")
    parser.add_argument("--synthetic-only", action="store_true", help="train on synthetic scenes only")
    parser.add_argument("--threads", type=int, metavar="N", help="torch threads (default: the preset's)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from evaluation.ablation import AblationPlan, run_ablation, variants
    from evaluation.queries import PairStore, check_queries, read_queries
    from training.config import resolve_config
    from training.sources import read_split

    cfg, base_model = resolve_config(args.preset, None, args.sets)  # checks every --set key up front
    chosen = variants("grid" if args.grid else "one-factor", base_model)
    if args.only:
        names = {v.name for v in chosen}
        unknown = [n for n in args.only if n not in names]
        if unknown:
            raise ConfigError(f"--only {unknown[0]}: no such variant (known: {', '.join(sorted(names))})")
        chosen = [v for v in chosen if v.name in args.only]
    if args.list:
        for v in chosen:
            print(f"{v.name}: {json.dumps(v.model, sort_keys=True)}")
        return 0
    queries = read_queries(args.queries)
    check_queries(queries, PairStore(args.pairs), args.queries)
    trained_on = set() if args.synthetic_only else set(read_split(args.train_list))
    for q in queries:
        if Path(q.name).stem in trained_on:
            raise InputError(f"{args.queries}:{q.line}: pair '{q.name}' is in the training list {args.train_list}; "
                             "ablation queries must come from pairs the variants never trained on")
    root = Path(args.root)
    out = Path(args.out)
    plan = AblationPlan(root=root, queries=queries, queries_path=Path(args.queries), pairs=Path(args.pairs),
                        sets=tuple(args.sets), preset=args.preset, variants=chosen,
                        report_md=out.with_suffix(".md"), report_json=out.with_suffix(".json"),
                        homologous=None if args.no_homologous else "visible")
    progress = not args.no_progress
    command = shlex.join(["heterotrack", *sys.argv[1:]]) if Path(sys.argv[0]).name in ("heterotrack", "main.py") \
        else "heterotrack ablate"

    def train_variant(variant, run_dir: Path) -> dict:
        return _train(variant, run_dir, args, command, progress)

    def load_model(weights: Path):
        from evaluation.learned import LearnedMatcher

        return LearnedMatcher.from_checkpoint(weights)

    from models.classic import CLASSIC_MATCHERS

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    rows = run_ablation(plan, train_variant, load_model, CLASSIC_MATCHERS["cfog"](), progress=progress,
                        say=lambda text: print(text, file=sys.stderr))
    from evaluation.ablation import markdown

    print(markdown(rows), end="")
    print(f"wrote {plan.report_md}\nwrote {plan.report_json}")
    return 0


def _train(variant, run_dir: Path, args: argparse.Namespace, command: str, progress: bool) -> dict:
    """Train ``variant`` into ``run_dir`` (or resume it, or find it finished); its training summary."""
    from commands.train import DEFAULT_ROADSCENE
    from evaluation.ablation import training_summary
    from models.checkpoint import read_meta
    from training.config import override_config, resolve_config
    from training.data import DataSpec
    from training.run import execute, plan_fresh, plan_resume
    from training.state import latest_checkpoint

    weights = run_dir / "matcher"
    timing = run_dir / "ablation_minutes.json"
    if weights.with_suffix(".safetensors").is_file():
        _cfg, meta = read_meta(weights)
        minutes = json.loads(timing.read_text()).get("minutes") if timing.is_file() else None
        return training_summary(meta, weights.with_suffix(".safetensors"), minutes)
    runtime = {"threads": args.threads} if args.threads else {}
    if latest_checkpoint(run_dir / "checkpoints") is not None:
        plan = plan_resume(run_dir, runtime, None, weights, command, DEFAULT_ROADSCENE)
    else:
        cfg, _ = resolve_config(args.preset, None, args.sets)
        if runtime:
            cfg = override_config(cfg, runtime, "--threads")
        spec = DataSpec(None if args.synthetic_only else Path(args.pairs), Path(args.train_list), Path(args.val_list))
        plan = plan_fresh(cfg, variant.model, run_dir, spec, weights, f"{command}  # variant {variant.name}")
    start = time.perf_counter()
    execute(plan, progress=progress)
    minutes = (time.perf_counter() - start) / 60
    timing.write_text(json.dumps({"minutes": minutes}) + "\n", encoding="utf-8")
    _cfg, meta = read_meta(weights)
    return training_summary(meta, weights.with_suffix(".safetensors"), minutes)
