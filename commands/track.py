"""``heterotrack track``: headless tracking of one target, results flushed per frame."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.config import load_config
from core.errors import InputError
from core.geometry import parse_box

EPILOG = """examples:
  heterotrack track --sequence seqs/night --out out/night.txt
  heterotrack track --visible vis.mp4 --infrared ir.mp4 --init 120,80,40,60 --out out/run.txt --save-video out/run.mp4
  heterotrack track --sequence seqs/night --mode cross --init-modality visible --out out/cross.txt

The first results line is the initial box; every line is x,y,w,h in visible-image
coordinates (0,0,0,0 = no box). A JSON summary with fps and per-stage timings is
written next to --out (or to --summary).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    src = parser.add_argument_group("input (one of)")
    src.add_argument("--sequence", metavar="DIR", help="a dataset sequence folder (VOT, RGBT234/LasHeR or GTOT layout)")
    src.add_argument("--visible", metavar="PATH", help="visible video or image folder (with --infrared)")
    src.add_argument("--infrared", metavar="PATH", help="infrared video or image folder (with --visible)")
    src.add_argument("--calibration", metavar="JSON", help="IR<->visible homography file (streams/calibration)")
    parser.add_argument("--init", metavar="X,Y,W,H", help="initial box (default: the sequence's first ground truth)")
    parser.add_argument("--init-modality", choices=("visible", "infrared"), default="visible",
                        help="the image the --init box is given in (default: visible)")
    parser.add_argument("--mode", choices=("visible", "infrared", "cross", "fused"), default=None,
                        help="which modalities to search (default: fused)")
    parser.add_argument("--weights", metavar="FILE", help="matcher checkpoint (default: assets/matcher.safetensors)")
    parser.add_argument("--classic", action="store_true", help="use the hand-crafted CFOG matcher (no weights)")
    parser.add_argument("--config", metavar="TOML", help="tracker settings file ([tracker] table of TrackerConfig keys)")
    parser.add_argument("--out", required=True, metavar="FILE", help="results file, one x,y,w,h line per frame")
    parser.add_argument("--summary", metavar="FILE", help="JSON summary (default: OUT with .json)")
    parser.add_argument("--save-video", metavar="FILE.mp4", help="also write an annotated side-by-side video")
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from streams.open import open_pair, open_sequence
    from tracker.config import TrackerConfig
    from tracker.factory import build_backend
    from tracker.mapping import ModalityMapping
    from tracker.session import track_frames
    from tracker.tracker import Tracker

    if bool(args.sequence) == bool(args.visible or args.infrared):
        raise InputError("give either --sequence DIR or both --visible and --infrared")
    if not args.sequence and not (args.visible and args.infrared):
        raise InputError("--visible and --infrared must be given together")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = load_config(TrackerConfig, args.config, section="tracker") if args.config else TrackerConfig()
    if args.mode:
        config = dataclasses.replace(config, mode=args.mode)
    source = open_sequence(args.sequence) if args.sequence else open_pair(args.visible, args.infrared,
                                                                           calibration=args.calibration)
    with source:
        gt = getattr(source, "groundtruth_visible", None)
        if args.init:
            box, init_index = parse_box(args.init, "--init"), 0
        elif getattr(source, "init_box", None) is not None:
            box, init_index = source.init_box, int(getattr(source, "init_index", 0))
            if args.init_modality == "infrared" and source.groundtruth_infrared is not None:
                box = source.groundtruth_infrared[init_index]
        else:
            raise InputError(f"{source.name}: no ground truth to start from; give --init x,y,w,h")
        calib = source.calibration
        mapping = ModalityMapping(None if calib is None else calib.ir_to_visible)
        backend = build_backend(args.weights, classic=args.classic)
        tracker = Tracker(backend, config, mapping)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        summary_path = Path(args.summary) if args.summary else out.with_suffix(".json")
        total = len(source) if hasattr(source, "__len__") else None
        skipped: list[str] = []

        def log(message: str) -> None:
            from tqdm import tqdm

            skipped.append(message)
            tqdm.write(f"warning: {message}", file=sys.stderr)

        # A frame that fails to decode is logged and treated as missing; tracking carries on.
        frames = source.iter_tolerant(log) if hasattr(source, "iter_tolerant") else source
        stats = track_frames(frames, tracker, box, out, init_modality=args.init_modality, init_index=init_index,
                             video_path=args.save_video, summary_path=summary_path, groundtruth=gt,
                             fps=source.fps or 30.0, total=total, max_frames=args.max_frames,
                             progress=not args.quiet, meta={"source": str(args.sequence or args.visible),
                                                                     "skipped": skipped})
    for notice in getattr(source, "notices", []) or []:
        print(f"note: {notice}")
    print(f"backend: {stats['backend']}  mode: {stats['mode']}")
    if stats.get("ir_offset"):
        off = stats["ir_offset"]
        print(f"note: the streams were not aligned at the target; IR taken as offset by "
              f"({off['dx']:+.1f}, {off['dy']:+.1f}) px (auto_align; a --calibration file turns this off)")
    fps = stats.get("tracker_fps")
    print(f"tracked {stats['tracked']} frames at {fps:.1f} fps (tracker), "
          f"{stats['end_to_end_fps']:.1f} fps end to end; states {json.dumps(stats['states'])}")
    print(f"wrote {out}\nwrote {summary_path}" + (f"\nwrote {args.save_video}" if args.save_video else ""))
    return 0
