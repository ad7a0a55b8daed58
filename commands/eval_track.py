"""``heterotrack eval-track``: PR, SR and NPR of results folders on a folder of sequences."""
from __future__ import annotations

import argparse
from pathlib import Path

EPILOG = """examples:
  heterotrack eval-track --dataset seqs/ --results runs/fused runs/csrt --out out/eval
  heterotrack eval-track --dataset seqs/night --results runs/fused

Each results folder holds SEQUENCE.txt files (one x,y,w,h line per frame, as
written by 'heterotrack track'); the folder name is the tracker's name.
RGB-T convention: where both modalities have ground truth, the smaller centre
error and the larger IoU count (RGBT234, Li et al., Pattern Recognition 2019).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--dataset", required=True, metavar="DIR", help="a sequence folder or a folder of sequences")
    parser.add_argument("--results", required=True, nargs="+", metavar="DIR", help="one results folder per tracker")
    parser.add_argument("--out", metavar="DIR", help="write scores.json, scores.md, success.png, precision.png here")
    parser.add_argument("--per-sequence", action="store_true", help="also print every sequence's scores")


def run(args: argparse.Namespace) -> int:
    from evaluation.track_eval import (evaluate_tracker, find_sequences, markdown_table, plot_curves, scores_json,
                                       write_json)

    sequences = find_sequences(args.dataset)
    rows, report = {}, {}
    for results in args.results:
        name = Path(results).resolve().name
        per_seq, overall = evaluate_tracker(sequences, results)
        rows[name] = overall
        report[name] = scores_json(per_seq, overall)
        if args.per_sequence:
            for r in per_seq:
                s = r.scores
                print(f"{name:>16} {r.name:<28} SR {s.sr:.3f}  PR {s.pr:.3f}  NPR {s.npr:.3f}  ({s.frames} frames)")
    table = markdown_table(rows)
    print(f"{len(sequences)} sequences\n{table}")
    if args.out:
        out = Path(args.out)
        write_json(out / "scores.json", report)
        (out / "scores.md").write_text(table + "\n", encoding="utf-8")
        for path in plot_curves(rows, out):
            print(f"wrote {path}")
        print(f"wrote {out / 'scores.json'}\nwrote {out / 'scores.md'}")
    return 0
