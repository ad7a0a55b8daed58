"""``heterotrack eval-match``: score matchers on cross-modal queries, or make the queries.

Evaluate::

    heterotrack eval-match --pairs DIR --queries q.csv --out preds.csv --method all --report r.json

Make queries::

    heterotrack eval-match --make-queries --pairs DIR --list assets/splits/roadscene_val.txt \\
        --n-per-pair 5 --seed 0 --template-modality both --out q.csv

See docs/EVAL_MATCH.md for the file formats and the report.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from core.errors import InputError

# Same as evaluation.match_eval.METHODS (a test checks); spelled out so --help imports nothing heavy.
METHOD_CHOICES = ("model", "ncc", "grad-ncc", "sift", "cfog", "cfog-tracker", "model-tracker", "all")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", required=True, metavar="DIR",
                        help="folder with visible/NAME and infrared/NAME images aligned pixel for pixel")
    parser.add_argument("--out", required=True, metavar="FILE.csv",
                        help="predictions CSV (name,x,y,w,h,score); with --method all one FILE.METHOD.csv per "
                             "method; with --make-queries the queries CSV to write")
    parser.add_argument("--queries", metavar="FILE.csv",
                        help="queries CSV: name,template_modality,tx,ty,tw,th,sx,sy,sw,sh")
    parser.add_argument("--method", choices=METHOD_CHOICES,
                        help="learned model, one baseline, cfog-tracker (the tracker's no-weights backend as the "
                             "tracking loop runs it), or all baselines (+ the model when weights exist)")
    parser.add_argument("--weights", metavar="W", help="matcher weights (default assets/matcher.safetensors)")
    parser.add_argument("--model-box", choices=("head", "template"), default="head",
                        help="the model's box: its box head's (default), or the box head's centre with the "
                             "template's size, as the dense baselines do")
    parser.add_argument("--model-scales", default="1", metavar="K,K",
                        help="image scales a learned descriptor matches at, their NCC maps averaged on the "
                             "full-resolution grid (default 1: one scale; e.g. 1,0.5)")
    parser.add_argument("--model-context", type=float, default=1.0, metavar="C",
                        help="a learned descriptor matches the template box with a band of C mean box sides of its "
                             "surroundings on every side (default 1; 0: the box alone; off with --model-scales)")
    parser.add_argument("--baseline-context", type=float, default=0.0, metavar="C",
                        help="the same for the dense baselines (ncc, grad-ncc, cfog; named NAME+ctx); default 0, "
                             "the box alone")
    parser.add_argument("--context-side", type=float, default=64.0, metavar="PX",
                        help="with a context band, queries whose grown template is larger are shrunk to this mean "
                             "side first (default 64; 0: never)")
    parser.add_argument("--device", default="cpu", help="torch device for the model (default cpu)")
    parser.add_argument("--report", metavar="FILE.json", help="write the metrics table as JSON")
    parser.add_argument("--report-md", metavar="FILE.md", help="write the metrics table as Markdown")
    parser.add_argument("--threads", type=int, metavar="N", help="limit OpenCV and torch to N threads")
    parser.add_argument("--homologous", choices=("visible", "infrared"),
                        help="match within one modality: template and search both from that modality's images "
                             "(the same query boxes), for a homologous reference row")
    parser.add_argument("--fit-confidence", action="store_true",
                        help="also fit P(IoU>=0.5) = sigmoid(a*logit(score)+b) per method and direction "
                             "(methods whose score is a probability: model, cfog-tracker); printed and in --report")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    group = parser.add_argument_group("making queries")
    group.add_argument("--make-queries", action="store_true", help="sample queries from --pairs into --out")
    group.add_argument("--list", metavar="FILE.txt", help="names to use, one per line (default: every pair)")
    group.add_argument("--n-per-pair", type=int, default=5, metavar="K", help="boxes per pair (default 5)")
    group.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    group.add_argument("--template-modality", choices=("visible", "infrared", "both"), default="both",
                       help="template side; 'both' writes each box once per direction (default both)")


def run(args: argparse.Namespace) -> int:
    if args.threads is not None:
        import cv2

        cv2.setNumThreads(max(args.threads, 1))
    if args.make_queries:
        return _make_queries(args)
    return _evaluate(args)


def _make_queries(args: argparse.Namespace) -> int:
    from evaluation.queries import PairStore, make_queries, read_name_list, write_queries

    if args.queries or args.method or args.homologous:
        raise InputError("--make-queries writes queries to --out; --queries, --method and --homologous are not used with it")
    store = PairStore(args.pairs)
    names = read_name_list(args.list, store) if args.list else store.names()
    if not names:
        raise InputError(f"{args.pairs}: no visible/infrared image pairs found")
    queries = make_queries(store, names, args.n_per_pair, args.seed, args.template_modality)
    write_queries(args.out, queries)
    per_box = 2 if args.template_modality == "both" else 1
    short = len(names) * args.n_per_pair * per_box - len(queries)
    print(f"wrote {len(queries)} queries from {len(names)} pairs to {args.out}"
          + (f" ({short // per_box} boxes fewer than asked: flat images)" if short else ""))
    return 0


def _scales(text: str) -> tuple[float, ...]:
    """``--model-scales``: "1,0.5" -> (1.0, 0.5); 1 first, then factors in [0.1, 1]."""
    try:
        scales = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--model-scales: expected numbers separated by commas, got '{text}'") from None
    if not scales or scales[0] != 1.0 or any(not 0.1 <= k <= 1.0 for k in scales):
        raise InputError(f"--model-scales: expected 1 first, then factors in [0.1, 1], got '{text}'")
    return scales


def _evaluate(args: argparse.Namespace) -> int:
    from evaluation.match_eval import build_matchers, output_path, report_markdown, run_method, summarise, write_report
    from evaluation.queries import PairStore, check_queries, read_queries

    if not args.queries:
        raise InputError("--queries: required (or use --make-queries to write one)")
    if not args.method:
        raise InputError(f"--method: required, one of {', '.join(METHOD_CHOICES)}")
    queries = read_queries(args.queries)
    store = PairStore(args.pairs, homologous=args.homologous)
    check_queries(queries, store, args.queries)
    for flag, value in (("--model-context", args.model_context), ("--baseline-context", args.baseline_context),
                        ("--context-side", args.context_side)):
        if not (value >= 0 and value < float("inf")):
            raise InputError(f"{flag}: must be a number >= 0, got {value}")
    matchers = build_matchers(args.method, args.weights, args.device, args.model_box,
                              _scales(args.model_scales), args.model_context, args.baseline_context,
                              args.context_side)
    if args.threads is not None and "torch" in sys.modules:
        import torch

        torch.set_num_threads(max(args.threads, 1))
    runs, outputs = [], {}
    for matcher in matchers:
        out = output_path(args.out, matcher.name, len(matchers) > 1)
        runs.append(run_method(matcher, queries, store, out, progress=not args.no_progress, source=args.queries))
        outputs[matcher.name] = str(out)
    rows = summarise(runs, args.homologous)
    table = report_markdown(rows)
    print(table, end="")
    meta = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pairs": str(args.pairs),
        "queries": str(args.queries),
        "n_queries": len(queries),
        "methods": [m.name for m in matchers],
        "predictions": outputs,
        "weights": str(args.weights) if args.weights else None,
        "homologous": args.homologous,
        "model_box": args.model_box,
        "model_scales": next((list(m.scales) for m in matchers if hasattr(m, "scales")), None),
        "context": {m.name: {"context": m.context, "side": m.context_side}
                    for m in matchers if getattr(m, "context", 0) > 0},
    }
    if args.fit_confidence:
        from evaluation.confidence import describe, LogisticFit
        from evaluation.match_eval import confidence_fits

        fits = confidence_fits([r for r in runs if r.method in ("model", "cfog-tracker", "model-tracker")], args.homologous)
        meta["confidence"] = fits
        for fit in fits:
            values = {k: v for k, v in fit.items() if k not in ("method", "direction")}
            print(f"confidence {fit['method']} {fit['direction']}: {describe(LogisticFit(**values))}")
    write_report(rows, meta, args.report, args.report_md)
    return 0
