"""Running matchers over queries, the predictions CSV, and the comparison report.

Predictions CSV: header ``name,x,y,w,h,score``, one row per query in query
order, the box in the search image's full-image pixels. A query without a
prediction is written ``0,0,0,0`` with an empty score. Rows are flushed one
by one, so an interrupted run keeps every row written so far.
"""
from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
from tqdm import tqdm

from core.errors import InputError
from evaluation.metrics import MatchMetrics, match_metrics, prediction_ious
from evaluation.queries import PairStore, Query
from models.classic import CLASSIC_MATCHERS
from models.classic.base import TemplateMatcher

PREDICTION_HEADER = ("name", "x", "y", "w", "h", "score")
BASELINES = tuple(CLASSIC_MATCHERS)
TRACKER_METHODS = ("cfog-tracker", "model-tracker")  # a tracker backend exactly as the tracking loop runs it
METHODS = ("model", *BASELINES, *TRACKER_METHODS, "all")
DIRECTIONS = ("vis→IR", "IR→vis")
DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "assets" / "matcher.safetensors"


#: The learned descriptor's template context and the side its queries are shrunk to (chosen on queries from
#: the training pairs; docs/EVAL_MATCH.md, "Template context").
MODEL_CONTEXT = 1.0
CONTEXT_SIDE = 64.0


def build_matchers(method: str, weights: str | Path | None = None, device: str = "cpu",
                   model_box: str = "head", model_scales: tuple[float, ...] = (1.0,),
                   model_context: float = MODEL_CONTEXT, baseline_context: float = 0.0,
                   context_side: float = CONTEXT_SIDE) -> list[TemplateMatcher]:
    """The matchers of ``--method``: one baseline, the learned model, a tracker backend, or ``all``.

    ``all`` is every baseline plus the model when ``weights`` is given or the
    default weights file exists. The model needs ``weights`` or the default
    file; a missing file is a :class:`~core.errors.CheckpointError` naming it.
    """
    if method not in METHODS:
        raise InputError(f"--method: '{method}' is not one of {', '.join(METHODS)}")
    if method == "cfog-tracker":
        from evaluation.backend_matcher import cfog_tracker_matcher

        return [cfog_tracker_matcher()]
    if method == "model-tracker":
        from evaluation.backend_matcher import BackendMatcher
        from tracker.factory import build_backend

        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not path.is_file():
            raise InputError(f"--method model-tracker: weights {path} not found; pass --weights FILE")
        return [BackendMatcher(build_backend(path, device=device), "model-tracker")]
    names = BASELINES if method == "all" else (() if method == "model" else (method,))
    matchers: list[TemplateMatcher] = [CLASSIC_MATCHERS[n]() for n in names]
    if baseline_context > 0:
        for m in matchers:
            if hasattr(m, "context"):  # the dense baselines (not SIFT)
                m.context, m.context_side = float(baseline_context), float(context_side)
                m.name = f"{m.name}+ctx"
    path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
    if method == "model" or (method == "all" and (weights is not None or path.is_file())):
        matchers.append(load_model_matcher(path, device, model_box, model_scales, model_context, context_side))
    return matchers


def load_model_matcher(path: Path, device: str = "cpu", model_box: str = "head",
                       model_scales: tuple[float, ...] = (1.0,), context: float = MODEL_CONTEXT,
                       context_side: float = CONTEXT_SIDE) -> TemplateMatcher:
    """``--method model``: a stride-8 matcher or a learned descriptor, whichever ``path`` holds; a descriptor
    matches at ``model_scales``, or with ``context`` (:class:`models.descriptor.matcher.DescriptorMatcher`;
    multi-scale fusion turns the context off)."""
    from core.errors import CheckpointError
    from models.checkpoint import checkpoint_format  # imports torch only when a model runs

    if not Path(path).is_file():
        raise CheckpointError(f"{path}: model weights not found; train them with 'heterotrack train-descriptor' "
                              "(or 'heterotrack train') or pass --weights FILE")
    if checkpoint_format(path) == "heterotrack-descriptor":
        from models.descriptor.checkpoint import load_descriptor
        from models.descriptor.matcher import DescriptorMatcher

        net, _cfg, _meta = load_descriptor(path, device=device)
        if len(model_scales) > 1:
            context = 0.0
        # its boxes always have the template's size
        return DescriptorMatcher(net, device, scales=model_scales, context=context, context_side=context_side)
    from evaluation.learned import LearnedMatcher

    return LearnedMatcher.from_checkpoint(path, device, box_size=model_box)


class PredictionWriter:
    """Writes the predictions CSV row by row (flushed after each row). Use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(PREDICTION_HEADER)
        self._handle.flush()

    def write(self, name: str, box: Iterable[float], score: float) -> None:
        values = [float(v) for v in box]
        if all(math.isfinite(v) for v in values):
            cells = [f"{v:.2f}" for v in values]
        else:
            cells = ["0", "0", "0", "0"]
        self._writer.writerow([name, *cells, f"{score:.6g}" if math.isfinite(score) else ""])
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "PredictionWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_predictions(path: str | Path) -> list[tuple[str, tuple[float, float, float, float], float]]:
    """Rows ``(name, box, score)`` of a predictions CSV; ``0,0,0,0`` reads back as a NaN box."""
    path = Path(path)
    rows = []
    if not path.is_file():
        raise InputError(f"{path}: predictions file not found")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != PREDICTION_HEADER:
            raise InputError(f"{path}:1: header must be exactly '{','.join(PREDICTION_HEADER)}'")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if len(row) != len(PREDICTION_HEADER):
                raise InputError(f"{where}: expected {len(PREDICTION_HEADER)} fields, got {len(row)}")
            try:
                box = tuple(float(v) for v in row[1:5])
                score = float(row[5]) if row[5] else math.nan
            except ValueError:
                raise InputError(f"{where}: non-numeric field in {row[1:]}") from None
            rows.append((row[0], (math.nan,) * 4 if box == (0.0,) * 4 else box, score))
    return rows


@dataclass(frozen=True, eq=False)
class MethodRun:
    """Predictions of one method on a list of queries."""

    method: str
    queries: list[Query]
    boxes: np.ndarray  # (N, 4), NaN rows for no prediction
    scores: np.ndarray  # (N,)
    ms: np.ndarray  # (N,) time per query, milliseconds
    params: int | None = None
    flops: dict[str, int] | None = None  # per direction, for learned models


def run_method(matcher: TemplateMatcher, queries: list[Query], store: PairStore, out_path: str | Path,
               progress: bool = True, source: str | Path = "queries") -> MethodRun:
    """Run ``matcher`` on every query in order, writing each prediction as soon as it exists.

    Times cover the matcher call only (not image loading). ``source`` names
    the queries file in errors.
    """
    boxes, scores, times = [], [], []
    with PredictionWriter(out_path) as writer:
        for q in tqdm(queries, desc=matcher.name, unit="query", disable=not progress, leave=True):
            try:
                template_image, search_image = store.images(q)
            except FileNotFoundError as exc:
                raise InputError(f"{source}:{q.line}: {exc}") from None
            start = time.perf_counter()
            result = matcher.match(template_image, q.template_box, search_image, q.search_window)
            times.append((time.perf_counter() - start) * 1e3)
            writer.write(q.name, result.box, result.score)
            boxes.append([float(v) for v in result.box])
            scores.append(float(result.score))
    params = flops = None
    if hasattr(matcher, "parameter_count"):
        params = matcher.parameter_count()
        modalities = sorted({q.template_modality for q in queries})
        flops = {("vis→IR" if m == "visible" else "IR→vis"): matcher.flops_per_query(m) for m in modalities}
    return MethodRun(matcher.name, queries, np.asarray(boxes, float).reshape(-1, 4), np.asarray(scores, float),
                     np.asarray(times, float), params, flops)


def output_path(out: str | Path, method: str, several: bool) -> Path:
    """``out`` itself for one method; ``STEM.METHOD.SUFFIX`` beside it when several run together."""
    out = Path(out)
    return out.with_name(f"{out.stem}.{method}{out.suffix or '.csv'}") if several else out


@dataclass(frozen=True)
class ReportRow:
    method: str
    direction: str  # vis→IR, IR→vis or all
    metrics: MatchMetrics
    params: int | None
    flops: int | None


HOMOLOGOUS_LABELS = {"visible": "vis→vis", "infrared": "IR→IR"}


def summarise(runs: list[MethodRun], homologous: str | None = None) -> list[ReportRow]:
    """One row per method and template direction present, plus an ``all`` row when both are.

    With ``homologous`` (the ``PairStore`` served one modality's images on
    both sides), each method gets one row over all queries, labelled
    ``vis→vis`` or ``IR→IR``.
    """
    if homologous is not None:
        return [ReportRow(run.method, HOMOLOGOUS_LABELS[homologous],
                          match_metrics(run.boxes, np.array([q.target for q in run.queries], float).reshape(-1, 4),
                                        run.ms),
                          run.params, max(run.flops.values()) if run.flops else None) for run in runs]
    rows = []
    for run in runs:
        directions = np.array([q.direction for q in run.queries])
        targets = np.array([q.target for q in run.queries], float).reshape(-1, 4)
        present = [d for d in DIRECTIONS if (directions == d).any()]
        for direction in present + (["all"] if len(present) > 1 else []):
            keep = np.ones(len(directions), bool) if direction == "all" else directions == direction
            metrics = match_metrics(run.boxes[keep], targets[keep], run.ms[keep])
            flops = None
            if run.flops:  # the "all" row shows the costlier direction
                flops = run.flops.get(direction) if direction != "all" else max(run.flops.values())
            rows.append(ReportRow(run.method, direction, metrics, run.params, flops))
    return rows


def _count(value: int | None, unit: str) -> str:
    if value is None:
        return "—"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.2f} {suffix}{unit}"
    return f"{value} {unit}".strip()


def report_markdown(rows: list[ReportRow]) -> str:
    """The comparison table in Markdown."""
    lines = [
        "| Method | Direction | Queries | mIoU | P0.5 | P0.7 | No box | ms/query | Params | FLOPs/query |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        m = r.metrics
        lines.append(
            f"| {r.method} | {r.direction} | {m.n} | {m.miou:.3f} | {m.p50:.3f} | {m.p70:.3f} | {m.misses} | "
            f"{m.ms_per_query:.1f} | {_count(r.params, '')} | {_count(r.flops, 'FLOP')} |"
        )
    return "\n".join(lines) + "\n"


def report_dict(rows: list[ReportRow], meta: dict) -> dict:
    """The report as plain JSON data (``meta`` describes the run)."""
    return {
        **meta,
        "rows": [
            {"method": r.method, "direction": r.direction, **asdict(r.metrics), "params": r.params, "flops": r.flops}
            for r in rows
        ],
    }


def write_report(rows: list[ReportRow], meta: dict, json_path: str | Path | None = None,
                 md_path: str | Path | None = None) -> None:
    """Write the JSON and/or Markdown report."""
    if json_path is not None:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(report_dict(rows, meta), indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    if md_path is not None:
        Path(md_path).parent.mkdir(parents=True, exist_ok=True)
        Path(md_path).write_text(report_markdown(rows), encoding="utf-8")


def confidence_fits(runs: list[MethodRun], homologous: str | None = None) -> list[dict]:
    """Per method and direction, the logistic fit of "IoU >= 0.5" on the logit of the score
    (see :mod:`evaluation.confidence`); methods without probability scores give no row."""
    from evaluation.confidence import confidence_fit

    out = []
    for run in runs:
        directions = np.array([q.direction for q in run.queries])
        if homologous is not None:
            directions[:] = HOMOLOGOUS_LABELS[homologous]
        targets = np.array([q.target for q in run.queries], float).reshape(-1, 4)
        ious = prediction_ious(run.boxes, targets)
        present = sorted(set(directions))
        for direction in present + (["all"] if len(present) > 1 else []):
            keep = np.ones(len(directions), bool) if direction == "all" else directions == direction
            fit = confidence_fit(run.scores[keep], ious[keep])
            if fit is not None:
                out.append({"method": run.method, "direction": str(direction), **asdict(fit)})
    return out
