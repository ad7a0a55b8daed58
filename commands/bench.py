"""``heterotrack bench``: our modes and OpenCV CSRT/KCF/MIL on the same sequences, one run."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = """examples:
  heterotrack bench                                   full run, report into docs/benchmarks/
  heterotrack bench --quick                           2 synthetic scenes, 3 real sequences, 60 frames
  heterotrack bench --classic --modes fused cross     the no-weights CFOG fallback
  heterotrack bench --classic --modes fused --opencv --real-count 0 --synthetic-seeds 101 202 \
      --out-dir out/bench-dev --set window_influence=0.176 --tag dev
                                                      tune the loop on seeds the benchmark does not use
  heterotrack bench --modes fused cross --opencv --synthetic --real-split assets/splits/roadscene_train.txt \
      --real-count 16 --out-dir out/bench-devreal --tag devreal
                                                      real sequences from training pairs, for the same purpose
"""
    parser.add_argument("--out-dir", default="out/bench", help="sequence cache and results (default: out/bench)")
    parser.add_argument("--report-dir", default="docs/benchmarks", help="where bench_DATE.md/.json go")
    parser.add_argument("--weights", help="matcher checkpoint (default: assets/matcher.safetensors)")
    parser.add_argument("--classic", action="store_true", help="run our modes on the CFOG fallback")
    parser.add_argument("--modes", nargs="+", default=["visible", "infrared", "cross", "fused"],
                        choices=["visible", "infrared", "cross", "fused"])
    parser.add_argument("--opencv", nargs="*", default=["csrt", "kcf", "mil"], choices=["csrt", "kcf", "mil"])
    parser.add_argument("--synthetic", nargs="*", default=None, help="synthetic presets (default: all but demo)")
    parser.add_argument("--synthetic-frames", type=int, default=150)
    parser.add_argument("--synthetic-seeds", type=int, nargs="+", metavar="SEED",
                        help="render every preset once per seed instead of with its own seed (a dev set)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override a TrackerConfig field for our modes (repeatable)")
    parser.add_argument("--real-count", type=int, default=12,
                        help="real sequences, made from the first names of --real-split (0: none)")
    parser.add_argument("--real-split", default="assets/splits/roadscene_val.txt", metavar="FILE",
                        help="the pair list the real sequences are made from, its first --real-count names "
                             "(default: the validation list; assets/splits/roadscene_train.txt gives a dev set "
                             "the benchmark never sees)")
    parser.add_argument("--real-frames", type=int, default=100)
    parser.add_argument("--pairs", default="../shared/data/roadscene", help="RoadScene pairs folder")
    parser.add_argument("--quick", action="store_true", help="a small run for a smoke check")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--tag", default="", help="suffix for the report file names")


def run(args: argparse.Namespace) -> int:
    from core.config import parse_assignments
    from evaluation.bench import SYNTHETIC_PRESETS, BenchConfig, markdown, run_benchmark, write_report
    from tracker.config import TrackerConfig

    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    if args.real_count > 0 and not Path(args.real_split).is_file():
        from core.errors import InputError

        raise InputError(f"--real-split: no pair list {args.real_split}")
    synthetic = tuple(args.synthetic) if args.synthetic is not None else SYNTHETIC_PRESETS
    cfg = BenchConfig(out_dir=Path(args.out_dir), synthetic=synthetic, synthetic_frames=args.synthetic_frames,
                      real_pairs=Path(args.pairs), real_count=args.real_count,
                      real_split=Path(args.real_split), real_frames=args.real_frames,
                      modes=tuple(args.modes), opencv=tuple(args.opencv),
                      weights=Path(args.weights) if args.weights else None, classic=args.classic,
                      synthetic_seeds=tuple(args.synthetic_seeds) if args.synthetic_seeds else None,
                      tracker=tuple(parse_assignments(TrackerConfig, args.sets).items()))
    if args.quick:
        import dataclasses

        cfg = dataclasses.replace(cfg, synthetic=("night", "dropout"), synthetic_frames=60, real_count=3,
                                  real_frames=60, out_dir=cfg.out_dir / "quick")
    report = run_benchmark(cfg)
    stamp = time.strftime("%Y-%m-%d") + (f"_{args.tag}" if args.tag else "")
    report_dir = Path(args.report_dir)
    argv = sys.argv[sys.argv.index("bench") + 1:] if "bench" in sys.argv else []
    command = " ".join(["heterotrack", "bench", *argv])
    write_report(report, report_dir / f"bench_{stamp}.json", report_dir / f"bench_{stamp}.md", command)
    print(markdown(report))
    print(f"wrote {report_dir / f'bench_{stamp}.md'}\nwrote {report_dir / f'bench_{stamp}.json'}")
    return 0
