"""``heterotrack demo``: render the built-in synthetic demo headless into a folder.

Writes DIR/sequence/ (VOT layout with ground truth and meta.json),
DIR/demo.mp4 (visible | infrared side by side, ground-truth boxes, frame
counter and events) and DIR/preview.png (the middle frame), and prints each
path. The rendering lives in :func:`render_demo` so other modules (the GUI,
a future tracker run) can call it and add their own boxes via ``overlays``.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from core.errors import ConfigError, InputError, SourceError

PRESET_NAMES = "demo, day, dusk, night, crossover, dropout, misaligned, leave-reenter"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="output folder (created if missing): sequence/, demo.mp4, preview.png")
    parser.add_argument("--preset", default="demo", metavar="NAME",
                        help=f"scene preset (default: demo; one of: {PRESET_NAMES})")
    parser.add_argument("--frames", type=int, metavar="N", help="number of frames (default: the preset's, 300)")
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (same seed, same video)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one SceneConfig field, e.g. --set lighting=night (repeatable)")
    parser.add_argument("--no-track", action="store_true",
                        help="only render the scene (by default the tracker runs too and its box is drawn)")
    parser.add_argument("--mode", choices=("visible", "infrared", "cross", "fused"), default="fused",
                        help="tracking mode for the demo run (default: fused)")
    parser.add_argument("--weights", metavar="FILE", help="matcher checkpoint (default: assets/matcher.safetensors)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


@dataclass(frozen=True)
class DemoOutputs:
    sequence: Path
    video: Path
    preview: Path
    frames: int
    seconds: float


def demo_config(preset: str, frames: int | None, seed: int | None, overrides: Sequence[str] = ()):
    """The SceneConfig the demo renders; bad presets, keys or values raise ConfigError/InputError."""
    from core.config import parse_assignments
    from synth.scene import SceneConfig, scene_config

    values = parse_assignments(SceneConfig, list(overrides))
    if frames is not None:
        if frames < 1:
            raise InputError(f"--frames: must be at least 1, got {frames}")
        values["frames"] = frames
    if seed is not None:
        if seed < 0:
            raise InputError(f"--seed: must be at least 0, got {seed}")
        values["seed"] = seed
    try:
        return scene_config(preset, values, source="--set")
    except ConfigError as exc:
        if str(exc).startswith("preset:"):
            raise ConfigError(f"--{exc}") from None
        raise


def prepare_out_dir(out: Path) -> Path:
    """Create ``out`` (a folder); a file in the way, or no permission, is a clear InputError."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {out} ({exc.strerror})") from None
    return out


def render_demo(cfg, out_dir: Path, progress: bool = True,
                overlays: Callable[[Any], Sequence[Any]] | None = None) -> DemoOutputs:
    """Render ``cfg`` into ``out_dir``: the VOT sequence, a side-by-side video and a preview image.

    ``overlays(synth_frame)`` may return extra :class:`synth.scene.preview.BoxOverlay` s (e.g. a
    tracker's boxes) to draw on the video and preview next to the ground truth.
    """
    import cv2
    from tqdm import tqdm

    from synth.scene import SceneSequenceWriter, generate_scene
    from synth.scene.preview import BoxOverlay, event_summary, side_by_side

    out_dir = prepare_out_dir(Path(out_dir))
    seq_dir, video, preview = out_dir / "sequence", out_dir / "demo.mp4", out_dir / "preview.png"
    started = time.perf_counter()
    frames = generate_scene(cfg)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), cfg.fps, (2 * cfg.width, cfg.height))
    if not writer.isOpened():
        raise SourceError(f"{video}: cannot open an mp4v video writer (OpenCV without a video backend?)")
    ir_label = f"infrared ({cfg.polarity})"
    middle = cfg.frames // 2
    best: tuple[float, object] | None = None  # (distance from the middle, image) of the preview candidate
    try:
        with SceneSequenceWriter(seq_dir, cfg) as seq:
            for item in tqdm(frames, total=cfg.frames, desc="demo", unit="frame", disable=not progress, leave=False):
                seq.add(item)
                boxes = [BoxOverlay(item.box_visible, item.box_infrared, label="ground truth")]
                if overlays is not None:
                    boxes.extend(overlays(item))
                header = f"frame {item.frame.index + 1}/{cfg.frames}  t={item.frame.t_visible:.2f}s  " \
                         f"{event_summary(item.events)}"
                image = side_by_side(item.frame, boxes, header, (cfg.width, cfg.height), ir_label)
                bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
                writer.write(bgr)
                # preview: the frame nearest the middle where the target is plainly in view
                distance = abs(item.frame.index - middle) + (0 if _clear_view(item.events) else cfg.frames)
                if best is None or distance < best[0]:
                    best = (distance, bgr)
    finally:
        writer.release()
    if best is None or not cv2.imwrite(str(preview), best[1]):
        raise InputError(f"{preview}: could not write the preview image")
    check_video(video, cfg.frames)
    return DemoOutputs(seq_dir, video, preview, cfg.frames, time.perf_counter() - started)


def _clear_view(events: dict) -> bool:
    return (not events["out_of_view"] and events["occlusion"] < 0.1 and events["dropout_visible"] is None
            and events["dropout_infrared"] is None)


def check_video(path: Path, frames: int) -> None:
    """Re-open the written video; SourceError if it cannot be read back."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        ok, _ = cap.read() if cap.isOpened() else (False, None)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if ok else 0
    finally:
        cap.release()
    if not ok:
        raise SourceError(f"{path}: the written video cannot be read back (is the mp4v codec available?)")
    if count and abs(count - frames) > 1:
        raise SourceError(f"{path}: the video holds {count} frames, expected {frames}")


class DemoTracking:
    """Runs the tracker on each generated frame (init on the first ground truth) for ``render_demo``'s overlays.

    Results go to ``results.txt`` (flushed per frame, the CLI's format).
    """

    COLOUR = (255, 160, 0)  # RGB orange; ground truth is green

    def __init__(self, mode: str, weights: str | None, results: Path):
        from streams.results import ResultsWriter
        from tracker.config import TrackerConfig
        from tracker.factory import build_backend
        from tracker.tracker import Tracker

        self.tracker = Tracker(build_backend(weights), TrackerConfig(mode=mode))
        self.writer = ResultsWriter(results)
        self.states: dict[str, int] = {}
        self.update_s = 0.0

    def __call__(self, item: Any) -> list[Any]:
        from synth.scene.preview import BoxOverlay

        if item.frame.index == 0:
            self.tracker.init(item.frame, item.box_visible, "visible")
            box, state = self.tracker.state.box, "init"
        else:
            t0 = time.perf_counter()
            result = self.tracker.update(item.frame)
            self.update_s += time.perf_counter() - t0
            box, state = result.box, result.state
        self.states[state] = self.states.get(state, 0) + 1
        self.writer.write(box)
        return [BoxOverlay(box, self.tracker.mapping.box_to("infrared", box), self.COLOUR, f"tracker ({state})")]

    def close(self) -> None:
        self.writer.close()


def run(args: argparse.Namespace) -> int:
    cfg = demo_config(args.preset, args.frames, args.seed, args.overrides)
    prepare_out_dir(args.out)
    tracking = None if args.no_track else DemoTracking(args.mode, args.weights, args.out / "results.txt")
    try:
        outputs = render_demo(cfg, args.out, progress=not args.quiet, overlays=tracking)
    finally:
        if tracking is not None:
            tracking.close()
    if tracking is not None:
        from core.geometry import iou
        from streams.open import open_sequence
        from streams.results import read_results

        seq = open_sequence(outputs.sequence)
        ious = iou(read_results(args.out / "results.txt")[1:], seq.groundtruth_visible[1:])
        fps = (cfg.frames - 1) / tracking.update_s if tracking.update_s > 0 else float("nan")
        print(f"tracker:  {tracking.tracker.backend.name}, mode {args.mode}: mean IoU {float(np.nanmean(ious)):.3f} "
              f"over {cfg.frames - 1} frames, {fps:.1f} fps, states {tracking.states}")
        print(f"results:  {args.out / 'results.txt'}")
    print(f"sequence: {outputs.sequence}")
    print(f"video:    {outputs.video}")
    print(f"preview:  {outputs.preview}")
    rate = outputs.seconds / max(outputs.frames, 1) * 1000
    print(f"{outputs.frames} frames of preset '{args.preset}' generated and written in {outputs.seconds:.1f} s "
          f"({rate:.0f} ms/frame, JPEG and video encoding included)")
    return 0
