"""Evaluating results folders against a folder of sequences (``heterotrack eval-track``)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InputError
from evaluation.tracking_metrics import (IOU_THRESHOLDS, PIXEL_THRESHOLDS, FrameErrors, TrackingScores,
                                         frame_errors, scores)
from streams.layouts import detect_layout
from streams.open import open_sequence
from streams.results import read_results
from streams.sequence import DatasetSequence


def find_sequences(dataset: str | Path) -> list[Path]:
    """``dataset`` itself if it is a sequence folder, else its sequence sub-folders.

    A ``list.txt`` in ``dataset`` (one folder name per line) selects and orders
    them, as in VOT workspaces.
    """
    root = Path(dataset)
    if not root.is_dir():
        raise InputError(f"{root}: dataset folder not found")
    try:
        detect_layout(root)
        return [root]
    except InputError:
        pass
    listing = root / "list.txt"
    if listing.is_file():
        names = [ln.strip() for ln in listing.read_text(encoding="utf-8").splitlines() if ln.strip()]
        missing = [n for n in names if not (root / n).is_dir()]
        if missing:
            raise InputError(f"{listing}: lists '{missing[0]}', which is not a folder in {root}")
        return [root / n for n in names]
    seqs = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            detect_layout(sub)
            seqs.append(sub)
        except InputError:
            continue
    if not seqs:
        raise InputError(f"{root}: no sequence folders found (VOT, RGBT234/LasHeR or GTOT layout)")
    return seqs


@dataclass(frozen=True)
class SequenceResult:
    name: str
    errors: FrameErrors
    scores: TrackingScores


def evaluate_sequence(seq: DatasetSequence, results_file: Path) -> SequenceResult:
    if not results_file.is_file():
        raise InputError(f"{results_file}: no results for sequence '{seq.name}'")
    pred = read_results(results_file)
    if len(pred) != len(seq):
        raise InputError(f"{results_file}: {len(pred)} result lines but sequence '{seq.name}' has {len(seq)} frames")
    pred_ir = None
    if seq.groundtruth_infrared is not None:
        pred_ir = pred if seq.calibration is None else seq.calibration.to_infrared(pred)
    errs = frame_errors(pred, seq.groundtruth_visible, pred_ir, seq.groundtruth_infrared,
                        skip=seq.init_index if seq.init_index is not None else 0)
    return SequenceResult(seq.name, errs, scores(errs))


def evaluate_tracker(sequences: list[Path], results_dir: str | Path) -> tuple[list[SequenceResult], TrackingScores]:
    """Per-sequence scores and the pooled overall scores of one tracker's results folder."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise InputError(f"{results_dir}: results folder not found")
    per_seq = []
    for path in sequences:
        with open_sequence(path) as seq:
            if seq.groundtruth_visible is None and seq.groundtruth_infrared is None:
                raise InputError(f"{path}: sequence has no ground truth to evaluate against")
            per_seq.append(evaluate_sequence(seq, results_dir / f"{seq.name}.txt"))
    return per_seq, scores([r.errors for r in per_seq])


def markdown_table(rows: dict[str, TrackingScores], extra: dict[str, dict[str, str]] | None = None) -> str:
    cols = sorted({k for v in (extra or {}).values() for k in v})
    head = "| tracker | frames | SR | PR | NPR |" + "".join(f" {c} |" for c in cols)
    sep = "|---|---:|---:|---:|---:|" + "---:|" * len(cols)
    lines = [head, sep]
    for name, s in rows.items():
        ext = "".join(f" {(extra or {}).get(name, {}).get(c, '—')} |" for c in cols)
        lines.append(f"| {name} | {s.frames} | {s.sr:.3f} | {s.pr:.3f} | {s.npr:.3f} |{ext}")
    return "\n".join(lines)


def plot_curves(rows: dict[str, TrackingScores], out_dir: Path, title: str = "") -> list[Path]:
    """success.png and precision.png with one curve per tracker (legend sorted by score)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, xs, key, label in (("success", IOU_THRESHOLDS, "success_curve", "overlap threshold"),
                                 ("precision", PIXEL_THRESHOLDS, "precision_curve", "location error threshold (px)")):
        fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
        order = sorted(rows.items(), key=lambda kv: -(kv[1].sr if kind == "success" else kv[1].pr))
        for name, s in order:
            value = s.sr if kind == "success" else s.pr
            ax.plot(xs, getattr(s, key), label=f"{name} [{value:.3f}]")
        ax.set_xlabel(label)
        ax.set_ylabel("success rate" if kind == "success" else "precision")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.set_title(f"{kind.capitalize()} plot {title}".strip())
        ax.legend(fontsize=7, loc="lower left" if kind == "success" else "lower right")
        fig.tight_layout()
        path = out_dir / f"{kind}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def scores_json(per_seq: list[SequenceResult], overall: TrackingScores) -> dict:
    return {"overall": overall.as_dict(), "sequences": {r.name: r.scores.as_dict() for r in per_seq}}


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=lambda v: None if np.isnan(v) else float(v)), encoding="utf-8")
