"""``heterotrack make-sequence``: write a synthetic or real-pair sequence in the VOT layout."""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
from pathlib import Path
from typing import Any

from core.config import parse_assignments
from core.errors import ConfigError, InputError

DEFAULT_PAIRS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "roadscene"

EPILOG = """examples:
  heterotrack make-sequence synthetic --out seqs/night --preset night --frames 200
  heterotrack make-sequence synthetic --out seqs/s1 --seed 1 --set KEY=VALUE --set KEY2=VALUE2
  heterotrack make-sequence synthetic --list-presets
  heterotrack make-sequence real --name FLIR_00006 --out seqs/flir6
  heterotrack make-sequence real --pairs ../shared/data/roadscene --name FLIR_00006 \\
      --box 250,150,60,50 --out seqs/flir6 --frames 150 --seed 2 --set zoom=0.2
  heterotrack make-sequence real --split assets/splits/roadscene_val.txt --out seqs/val --boxes 2

Each sequence folder holds color/ and ir/ frames, groundtruth.txt (x,y,w,h per
frame, 0,0,0,0 when the target is absent), a 'sequence' file and meta.json.
Real-pair sequences move a virtual camera over one aligned still pair (pan,
zoom, roll, shake, brightness drift, blur, noise); see synth/realpair_config.py
for the --set keys and what they mean.
"""

SYNTHETIC_EPILOG = """examples:
  heterotrack make-sequence synthetic --out seqs/night --preset night
  heterotrack make-sequence synthetic --out seqs/long --frames 500 --seed 7
  heterotrack make-sequence synthetic --list-presets

--set KEY=VALUE overrides one field of the preset's SceneConfig (repeatable);
numbers, true/false and comma lists (1,2) are accepted; an unknown key lists
the known ones.
"""

REAL_EPILOG = """examples:
  heterotrack make-sequence real --name FLIR_00006 --out seqs/flir6
  heterotrack make-sequence real --name FLIR_00006 --box 250,150,60,50 --out seqs/flir6 --frames 150
  heterotrack make-sequence real --split assets/splits/roadscene_val.txt --out seqs/val
  heterotrack make-sequence real --name FLIR_00006 --out seqs/big --set out_size=0,0 --set zoom=0.1

--pairs DIR holds DIR/visible/STEM.jpg and DIR/infrared/STEM.jpg (same size,
pixel-aligned); it defaults to ../shared/data/roadscene next to the project.
Without --box a mid-sized target with structure in both images is picked.
The same --seed and stem always give the same sequence, with --name or in a
--split list. --set keys (RealPairConfig): frames, out_size, scale, border,
pan, zoom, rotation_deg, shake_px, gain_drift, offset_drift, colour_drift,
blur_prob, blur_max_px, noise_visible, noise_infrared, absent_below, fps, seed.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = ("Write a synthetic or real-pair visible/IR sequence in the VOT layout "
                          "(color/, ir/, groundtruth.txt, sequence, meta.json).")
    parser.epilog = EPILOG
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)

    syn = kinds.add_parser("synthetic", help="a generated visible/IR scene with exact ground truth",
                           description="Write a generated visible/IR scene (synth.scene) as a VOT sequence.",
                           epilog=SYNTHETIC_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    syn.add_argument("--out", type=Path, metavar="DIR", help="sequence folder to write (required)")
    syn.add_argument("--preset", metavar="NAME", help="scene preset (default: 'default', else the first one)")
    syn.add_argument("--list-presets", action="store_true", help="print the preset names and exit")
    _common(syn)

    real = kinds.add_parser("real", help="a sequence made from one aligned still pair by a moving virtual camera",
                            description="Turn aligned visible/IR still pairs into VOT sequences with exact "
                                        "ground truth, by moving a virtual camera over each still.",
                            epilog=REAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    real.add_argument("--pairs", type=Path, metavar="DIR",
                      help=f"folder with visible/ and infrared/ (default: {DEFAULT_PAIRS})")
    which = real.add_mutually_exclusive_group(required=True)
    which.add_argument("--name", metavar="STEM", help="one pair: the image name without extension")
    which.add_argument("--split", type=Path, metavar="FILE",
                       help="a list of stems, one per line: one sequence folder each under --out")
    real.add_argument("--box", metavar="X,Y,W,H", help="target box in still pixels (only with --name)")
    real.add_argument("--boxes", type=int, metavar="K",
                      help="with --split: K targets per pair, folders STEM_b1..STEM_bK (default 1: STEM)")
    real.add_argument("--out", type=Path, required=True, metavar="DIR",
                      help="sequence folder (--name) or folder of sequence folders (--split)")
    _common(real)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--frames", type=int, metavar="N", help="number of frames")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (same seed, same sequence)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config field (repeatable)")
    p.add_argument("--overwrite", action="store_true", help="replace a sequence already in the output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.kind == "synthetic":
        return _run_synthetic(args)
    return _run_real(args)


# ---------------------------------------------------------------- overrides

def apply_overrides(config: Any, items: list[str], flag: str = "--set") -> Any:
    """``config`` with ``KEY=VALUE`` items applied (unknown keys and bad values raise ConfigError)."""
    return _replace(config, parse_assignments(type(config), items, flag), flag)


def _replace(config: Any, values: dict[str, Any], where: str) -> Any:
    try:
        return dataclasses.replace(config, **values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _apply_flags(config: Any, args: argparse.Namespace) -> Any:
    fields = {f.name for f in dataclasses.fields(type(config))}
    for flag in ("frames", "seed"):
        value = getattr(args, flag)
        if value is None:
            continue
        if flag not in fields:
            raise ConfigError(f"--{flag}: {type(config).__name__} has no '{flag}' setting")
        if value < (1 if flag == "frames" else 0):
            raise InputError(f"--{flag}: must be at least {1 if flag == 'frames' else 0}, got {value}")
        config = _replace(config, {flag: value}, f"--{flag}")
    return config


# ---------------------------------------------------------------- output folders

def check_out_dir(path: Path, overwrite: bool, flag: str = "--out") -> None:
    """Refuse to write into a file or into a folder that already holds something, unless ``overwrite``."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag}: {path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise InputError(f"{flag}: {path} is not empty (pass --overwrite to replace the sequence there)")


def _frame_count(seq: Path) -> int:
    gt = seq / "groundtruth.txt"
    return sum(1 for line in gt.read_text(encoding="utf-8").splitlines() if line.strip()) if gt.is_file() else 0


# ---------------------------------------------------------------- synthetic

def _run_synthetic(args: argparse.Namespace) -> int:
    try:
        scene = importlib.import_module("synth.scene")
    except ModuleNotFoundError as exc:
        if exc.name != "synth.scene":
            raise
        scene = None
    if not (hasattr(scene, "PRESETS") and hasattr(scene, "write_scene")):
        raise InputError("make-sequence synthetic: the scene generator (synth.scene) is not in this version")
    presets = scene.PRESETS
    if args.list_presets:
        for name in presets:
            print(name)
        return 0
    if args.out is None:
        raise InputError("--out: required (the sequence folder to write)")
    name = args.preset or ("default" if "default" in presets else next(iter(presets)))
    if name not in presets:
        raise ConfigError(f"--preset: unknown preset '{name}' (known: {', '.join(presets)})")
    cfg = _apply_flags(apply_overrides(presets[name], args.overrides), args)
    check_out_dir(args.out, args.overwrite)
    if args.overwrite:
        from synth.realpairs import clear_layout
        clear_layout(args.out)
    out = Path(scene.write_scene(cfg, args.out, progress=not args.quiet))
    print(f"wrote {out} ({_frame_count(out)} frames, preset '{name}')")
    return 0


# ---------------------------------------------------------------- real pairs

def _run_real(args: argparse.Namespace) -> int:
    from core.geometry import parse_box
    from synth.pair_io import check_pairs_dir, find_pair, read_stem_list
    from synth.realpairs import RealPairConfig, write_pair_sequence, write_real_sequences

    if args.pairs is None and not DEFAULT_PAIRS.is_dir():
        raise InputError(f"--pairs: not given, and the default folder {DEFAULT_PAIRS} does not exist")
    pairs = check_pairs_dir(args.pairs or DEFAULT_PAIRS)
    cfg = _apply_flags(apply_overrides(RealPairConfig(), args.overrides), args)
    if args.split is not None:
        if args.box is not None:
            raise InputError("--box: only with --name (for a --split list, targets are picked in each pair)")
        boxes = 1 if args.boxes is None else args.boxes
        if boxes < 1:
            raise InputError(f"--boxes: must be at least 1, got {boxes}")
        stems = read_stem_list(args.split, pairs)
        if args.out.exists() and not args.out.is_dir():
            raise InputError(f"--out: {args.out} exists and is not a folder")
        for stem in stems:
            for folder in [args.out / stem] if boxes == 1 else [args.out / f"{stem}_b{k + 1}" for k in range(boxes)]:
                check_out_dir(folder, args.overwrite)
        written = write_real_sequences(pairs, stems, args.out, cfg, boxes_per_pair=boxes, progress=not args.quiet)
        print(f"wrote {len(written)} sequences of {cfg.frames} frames under {args.out} "
              f"(names in {args.out / 'list.txt'})")
        return 0
    if args.boxes is not None:
        raise InputError("--boxes: only with --split (with --name, give one --box or none)")
    vis_path, _ = find_pair(pairs, args.name)
    box = None if args.box is None else parse_box(args.box, "--box")
    check_out_dir(args.out, args.overwrite)
    out = write_pair_sequence(pairs, args.name, args.out, cfg, box, progress=not args.quiet,
                              where=f"--box (on {vis_path})")
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    shown = ",".join(f"{v:g}" for v in meta["box"])
    print(f"wrote {out} ({cfg.frames} frames, target {shown} {meta['box_source']}, "
          f"absent in {meta['absent_frames']} frames)")
    return 0
