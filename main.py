"""HeteroTrack command line: ``heterotrack [COMMAND] [OPTIONS]`` (same as ``python main.py``).

Each subcommand lives in its own module under :mod:`commands` with two
functions, ``add_arguments(parser)`` and ``run(args) -> int``. Modules are
imported only when their command runs, so ``--help`` and light commands never
pay for torch or Qt.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module under commands/, one-line help). Order is the order in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "gui": ("commands.gui", "open the application window (the default with no command)"),
    "demo": ("commands.demo", "render the built-in synthetic demo headless into a folder"),
    "make-sequence": ("commands.make_sequence", "write a synthetic or real-pair sequence in the VOT layout"),
    "track": ("commands.track", "track a target headless through a sequence, two videos or two folders"),
    "register": ("commands.register", "estimate the IR-to-visible homography of a camera pair (calibration file)"),
    "trax": ("commands.trax", "serve the tracker to the VOT toolkit (TraX protocol)"),
    "eval-track": ("commands.eval_track", "score tracking results: precision, success and normalized precision"),
    "bench": ("commands.bench", "benchmark our tracking modes against OpenCV CSRT/KCF/MIL, one run"),
    "train": ("commands.train", "train the heterologous matcher"),
    "train-descriptor": ("commands.train_descriptor", "train the learned structure descriptor (the shipped matcher)"),
    "eval-match": ("commands.eval_match", "evaluate a matcher or baseline on cross-modal queries"),
    "ablate": ("commands.ablate", "train each matcher variant on one budget and compare them with eval-match"),
}

EPILOG = """examples:
  heterotrack                                   open the GUI on the built-in demo
  heterotrack demo --out out/demo               render the demo headless (video, frames, ground truth)
  heterotrack make-sequence synthetic --out seqs/night --preset night
  heterotrack make-sequence real --pairs ../shared/data/roadscene --name FLIR_00006 --out seqs/flir6
  heterotrack COMMAND --help                    options of one command
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heterotrack",
        description="Visible-infrared (RGB-T) object tracking: GUI, headless tools and benchmarks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        cmd.set_defaults(_module=module_name)
        module = _load(module_name)
        if module is not None:
            module.add_arguments(cmd)
    return parser


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None  # command not built yet
        raise


def main(argv: list[str] | None = None) -> int:
    from core.errors import HeteroTrackError

    parser = build_parser()
    args = parser.parse_args(argv)
    module_name = getattr(args, "_module", None) or COMMANDS["gui"][0]
    module = _load(module_name)
    if module is None:
        print(f"heterotrack: '{args.command or 'gui'}' is not available yet in this version.", file=sys.stderr)
        return 2
    if args.command is None:
        args = parser.parse_args(["gui", *(argv or [])])
    try:
        return int(module.run(args) or 0)
    except HeteroTrackError as exc:
        print(f"heterotrack: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("heterotrack: interrupted; results written so far are kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
