"""``heterotrack gui`` (the default command): the application window.

With no source it opens the built-in synthetic demo and starts tracking its
target. ``--screenshot`` / ``--latency-report`` run headless (offscreen when
there is no display): track ``--frames`` frames, write the file, exit.
"""
from __future__ import annotations

import argparse
import os
import sys

from core.errors import InputError

EPILOG = """examples:
  heterotrack                                         the demo, tracking right away
  heterotrack gui --sequence seqs/night               a dataset sequence (target = first ground-truth box)
  heterotrack gui --visible vis.mp4 --infrared ir.mp4 two videos; drag a box around the target
  heterotrack gui --camera 0 --camera 1               a visible and a thermal camera, live
  heterotrack gui --demo --frames 40 --screenshot out/gui.png
  heterotrack gui --demo --frames 60 --latency-report out/latency.json

Keyboard: Space play/pause, Right step, S select target, Ctrl+O open, F1 all shortcuts (docs/GUI.md).
"""

NO_DISPLAY = """heterotrack gui: no display found (DISPLAY and WAYLAND_DISPLAY are unset, QT_QPA_PLATFORM is not set).
Without a screen you can:
  heterotrack demo --out DIR                                  render the demo headless (video, frames, preview)
  heterotrack gui --demo --frames 40 --screenshot out.png     render the GUI offscreen and save it as a PNG
  heterotrack track --sequence DIR --out results.txt          track headless
or run the GUI under a virtual display:  xvfb-run -a heterotrack gui"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    src = parser.add_argument_group("source (default: the built-in demo)")
    src.add_argument("--demo", action="store_true", help="open the built-in synthetic demo")
    src.add_argument("--sequence", metavar="DIR", help="a dataset sequence folder (VOT, RGBT234/LasHeR, GTOT)")
    src.add_argument("--visible", metavar="PATH", help="visible video or image folder (with --infrared)")
    src.add_argument("--infrared", metavar="PATH", help="infrared video or image folder (with --visible)")
    src.add_argument("--camera", action="append", default=[], metavar="SPEC",
                     help="a camera index or URL; give it twice for visible then infrared")
    src.add_argument("--thermal", action="store_true", help="a single --camera is thermal (infrared)")
    src.add_argument("--calibration", metavar="JSON", help="IR-to-visible homography file")
    src.add_argument("--allow-length-mismatch", action="store_true",
                     help="two streams of different lengths: use the part both cover")
    src.add_argument("--session", metavar="FILE", help="reopen a saved session file")
    trk = parser.add_argument_group("tracking")
    trk.add_argument("--mode", choices=("visible", "infrared", "cross", "fused"), help="default: fused")
    trk.add_argument("--weights", metavar="FILE", help="matcher checkpoint (default: assets/matcher.safetensors)")
    trk.add_argument("--classic", action="store_true", help="use the hand-crafted CFOG matcher")
    trk.add_argument("--realtime", action="store_true", help="real-time playback (skip frames to keep up)")
    trk.add_argument("--frames", type=int, default=0, metavar="N", help="pause after N tracked frames")
    out = parser.add_argument_group("output")
    out.add_argument("--results", metavar="FILE", help="write the results file as tracking goes")
    out.add_argument("--save-video", metavar="FILE.mp4", help="record the annotated side-by-side video")
    out.add_argument("--screenshot", metavar="PNG", help="after --frames N (default 40): save the window, exit")
    out.add_argument("--latency-report", metavar="JSON",
                     help="measure GUI event-loop latency while tracking --frames N (default 60), write it, exit")
    out.add_argument("--size", default="1600x1000", metavar="WxH", help="window size (default 1600x1000)")
    out.add_argument("--tab", choices=("attention", "features"), default="attention",
                     help="which of the two tabbed panels is in front (default: attention)")


def display_available() -> bool:
    """Whether Qt can show a window: a platform plugin was chosen, or an X11/Wayland display exists."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _source(args: argparse.Namespace):
    from app.sources import SourceSpec

    given = [bool(args.sequence), bool(args.visible or args.infrared), bool(args.camera), bool(args.demo),
             bool(args.session)]
    if sum(given) > 1:
        raise InputError("give one source: --demo, --sequence, --visible/--infrared, --camera or --session")
    extra = dict(calibration=args.calibration or "", allow_length_mismatch=args.allow_length_mismatch)
    if args.sequence:
        return SourceSpec("sequence", path=args.sequence, **extra)
    if args.visible or args.infrared:
        if not (args.visible and args.infrared):
            raise InputError("--visible and --infrared must be given together")
        return SourceSpec("pair", visible=args.visible, infrared=args.infrared, **extra)
    if args.camera:
        if len(args.camera) > 2:
            raise InputError("--camera: give at most two (visible, then infrared)")
        vis = args.camera[0]
        ir = args.camera[1] if len(args.camera) > 1 else ""
        return SourceSpec("cameras", visible=vis, infrared=ir, thermal=args.thermal,
                          calibration=args.calibration or "")
    return None


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--size: '{text}' is not WIDTHxHEIGHT, e.g. 1600x1000") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise InputError(f"--size: {w}x{h} is outside 320x240 .. 8000x8000")
    return w, h


def run(args: argparse.Namespace) -> int:
    if args.frames < 0:
        raise InputError(f"--frames: must be at least 0, got {args.frames}")
    headless = bool(args.screenshot or args.latency_report)
    source = _source(args)
    size = _size(args.size)
    if not display_available():
        if not headless:
            print(NO_DISPLAY, file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.launcher import LaunchOptions, run_gui

    frames = args.frames or ((60 if args.latency_report else 40) if headless else 0)
    options = LaunchOptions(source=source, session=args.session, weights=args.weights, classic=args.classic,
                            mode=args.mode, frames=frames, screenshot=args.screenshot,
                            latency_report=args.latency_report, results=args.results, video=args.save_video,
                            realtime=args.realtime, size=size, tab=args.tab)
    return run_gui(options)
