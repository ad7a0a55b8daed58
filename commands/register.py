"""``heterotrack register``: estimate the IR→visible homography of a camera pair and write the calibration file."""
from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = """example:
  heterotrack register --visible vis.jpg --infrared ir.jpg --out calibration.json
Put calibration.json in a sequence folder, or pass it to 'track --calibration'.
"""
    parser.add_argument("--visible", required=True, help="a visible frame of the scene")
    parser.add_argument("--infrared", required=True, help="the infrared frame taken at the same moment")
    parser.add_argument("--out", required=True, help="calibration JSON to write")
    parser.add_argument("--method", choices=("cfog", "model"), default="cfog",
                        help="patch matcher: the CFOG descriptor (default) or the learned matcher")
    parser.add_argument("--weights", help="checkpoint for --method model (default: assets/matcher.safetensors)")
    parser.add_argument("--grid", default="8x6", help="patch grid, COLSxROWS (default 8x6)")
    parser.add_argument("--patch", type=int, default=48, help="patch side in IR pixels (default 48)")


def run(args: argparse.Namespace) -> int:
    from core.errors import InputError
    from streams.calibration import Calibration
    from streams.imageio import read_infrared, read_visible
    from tracker.registration import register_pair

    try:
        cols, rows = (int(v) for v in args.grid.lower().split("x"))
    except ValueError:
        raise InputError(f"--grid: '{args.grid}' is not COLSxROWS, e.g. 8x6") from None
    visible, infrared = read_visible(args.visible), read_infrared(args.infrared)
    if args.method == "model":
        from evaluation.learned import LearnedMatcher
        from tracker.factory import DEFAULT_WEIGHTS

        matcher = LearnedMatcher.from_checkpoint(args.weights or DEFAULT_WEIGHTS)
    else:
        from models.classic.cfog import CfogMatcher

        matcher = CfogMatcher()
    result = register_pair(visible, infrared, matcher, grid=(cols, rows), patch=args.patch)
    Calibration(result.ir_to_visible).save(args.out)
    print(f"{result.inliers} of {result.matches} patch matches agree; inlier RMS error {result.rms_error:.2f} px")
    print(f"wrote {args.out}")
    return 0
