"""``heterotrack gui``: the application window (PyQt6), not built yet."""
from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="open the built-in synthetic demo")


def run(args: argparse.Namespace) -> int:
    print(
        "HeteroTrack GUI is coming: side-by-side visible/IR views, box selection, live score,\n"
        "attention and feature maps (see issue 'Qt application'). For now try:\n"
        "  heterotrack demo --out out/demo         render the synthetic demo headless\n"
        "  heterotrack make-sequence --help        write sequences in the VOT layout"
    )
    return 0
