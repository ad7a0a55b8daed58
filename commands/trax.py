"""``heterotrack trax``: serve the tracker to the VOT toolkit over the TraX protocol."""
from __future__ import annotations

import argparse

EPILOG = """VOT workspace trackers.ini stanza (see README):
  [HeteroTrack]
  label = HeteroTrack
  protocol = trax
  command = heterotrack trax --mode fused

Then: vot test HeteroTrack --sequence path/to/sequence   (color/ and ir/ channels)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--mode", choices=("visible", "infrared", "cross", "fused"), default="fused")
    parser.add_argument("--weights", metavar="FILE", help="matcher checkpoint (default: assets/matcher.safetensors)")
    parser.add_argument("--classic", action="store_true", help="use the hand-crafted CFOG matcher (no weights)")
    parser.add_argument("--config", metavar="TOML", help="tracker settings file ([tracker] table)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--log", metavar="FILE", help="TraX protocol log file")


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from core.config import load_config
    from tracker.config import TrackerConfig
    from tracker.factory import build_backend
    from tracker.trax_server import serve
    from tracker.tracker import Tracker

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = load_config(TrackerConfig, args.config, section="tracker") if args.config else TrackerConfig()
    config = dataclasses.replace(config, mode=args.mode)
    backend = build_backend(args.weights, classic=args.classic)
    return serve(lambda: Tracker(backend, config), log=args.log)
