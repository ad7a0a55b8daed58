"""Turn one aligned visible/IR still pair into a tracking sequence with exact ground truth.

A virtual camera (:mod:`synth.camera_path`) pans, zooms, rolls and shakes
over the still; :mod:`synth.photometric` adds independent brightness drift
per modality, occasional motion blur and noise. The ground truth is the
target box carried through each frame's transform (rule in
:mod:`synth.camera_path`); a frame whose box is less than
``cfg.absent_below`` inside the frame is marked absent (NaN in memory,
``0,0,0,0`` on disk), because most of the target is then off-screen and no
tracker can be asked to localise it.

Typical use::

    cfg = config_from_mapping(RealPairConfig, {"frames": 60, "seed": 3})
    for frame, gt in make_real_sequence(vis, ir, (120, 80, 40, 30), cfg):
        ...
    write_real_sequences("../shared/data/roadscene", stems, "seqs/val", cfg)
"""
from __future__ import annotations

import zlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from tqdm import tqdm

from core.config import config_to_dict
from core.errors import InputError
from core.geometry import BoxLike, iou, validate_box
from streams.frames import FramePair
from streams.vot_writer import VotSequenceWriter
from synth.boxes import sample_structured_boxes
from synth.camera_path import FrameGeometry, base_scale, output_size, plan_camera, visible_fraction
from synth.pair_io import check_pairs_dir, find_pair, read_pair
from synth.photometric import Photometry, apply_photometry, plan_photometry
from synth.realpair_config import RealPairConfig

__all__ = [
    "RealPairConfig", "make_real_sequence", "plan_real_sequence", "pick_target_box", "pick_target_boxes",
    "write_real_sequence", "write_pair_sequence", "write_real_sequences", "sequence_seed",
]

GT_RULE = ("axis-aligned box centred on the target centre mapped by 'matrix', size = source box size x 'scale' "
           "(rotation is ignored: a few degrees at most); '0,0,0,0' (absent) when less than absent_below of "
           "its area lies inside the frame; boxes are not clipped to the frame")
TRANSFORM_RULE = "p_frame = matrix[:, :2] @ p_still + matrix[:, 2], continuous pixels (pixel i covers [i, i+1))"
_PICK_STREAM = 2**31  # sequence_seed index of the box-picking generator
LAYOUT_FILES = ("groundtruth.txt", "ir_groundtruth.txt", "sequence", "meta.json")


def check_pair_arrays(visible: np.ndarray, infrared: np.ndarray, where: str = "image pair") -> tuple[int, int]:
    """``(width, height)`` of a valid pair: RGB ``H×W×3`` and grey ``H×W`` uint8 of one size."""
    if not isinstance(visible, np.ndarray) or visible.dtype != np.uint8 or visible.ndim != 3 or visible.shape[2] != 3:
        raise InputError(f"{where}: visible image must be an H×W×3 uint8 RGB array")
    if not isinstance(infrared, np.ndarray) or infrared.dtype != np.uint8 or infrared.ndim != 2:
        raise InputError(f"{where}: infrared image must be an H×W uint8 array")
    if visible.shape[:2] != infrared.shape:
        raise InputError(f"{where}: visible {visible.shape[1]}x{visible.shape[0]} and infrared "
                         f"{infrared.shape[1]}x{infrared.shape[0]} sizes differ")
    return visible.shape[1], visible.shape[0]


def check_target_box(box: BoxLike, still_size: tuple[int, int],
                     where: str = "box") -> tuple[float, float, float, float]:
    """A user box as a tuple; it must have a positive size and lie at least half inside the still."""
    b = validate_box(box, where, image_size=still_size)
    if visible_fraction(np.asarray(b), still_size) < 0.5:
        raise InputError(f"{where}: box {','.join(f'{v:g}' for v in b)} lies mostly outside the "
                         f"{still_size[0]}x{still_size[1]} image")
    return b


def pick_target_boxes(visible: np.ndarray, infrared: np.ndarray, rng: np.random.Generator, n: int = 1,
                      where: str = "image pair") -> list[tuple[int, int, int, int]]:
    """``n`` mid-sized, barely overlapping boxes with structure in both modalities.

    Candidates come from :func:`synth.boxes.sample_structured_boxes`. Those
    at least one box side away from the image border come first (a target
    at the border would meet its own mirror image in the reflected border
    fill, and leaves the camera no room to pan); among them, those whose side
    is closest (in log scale) to the middle of the sampled range win, taken
    at random from the best third so repeated calls vary. The structure
    threshold is relaxed step by step on flat images; an image with no
    structure at all raises InputError.
    """
    check_pair_arrays(visible, infrared, where)
    short = min(visible.shape[:2])
    min_side, max_frac = 24 if short >= 120 else max(4, short // 5), 0.25
    max_side = max(min_side, int(max_frac * short))
    mid = np.sqrt(min_side * max_side)
    for min_score in (1.5, 1.2, 0.9):
        candidates = sample_structured_boxes(visible, infrared, rng, n=max(24, 8 * n), min_side=min_side,
                                             max_frac=max_frac, min_score=min_score)
        if len(candidates) >= n:
            break
    if not candidates:
        raise InputError(f"{where}: found no box with structure in both modalities (is the image flat?)")
    height, width = visible.shape[:2]
    cost = np.array([abs(np.log(np.sqrt(w * h) / mid)) for _, _, w, h in candidates])
    inner = np.array([min(x, y, width - x - w, height - y - h) >= max(w, h) for x, y, w, h in candidates])
    order = np.lexsort((cost, ~inner))  # inner boxes first, then by size cost
    pool = order[: max(n, int(inner.sum()) // 3 if inner.any() else len(order) // 3)]
    best = pool.copy()
    rng.shuffle(best)
    ranked = list(best) + [i for i in order if i not in set(best.tolist())]
    chosen: list[tuple[int, int, int, int]] = []
    for i in ranked:
        box = candidates[i]
        if all(iou(box, other)[0] < 0.2 for other in chosen):
            chosen.append(box)
        if len(chosen) == n:
            break
    return chosen


def pick_target_box(visible: np.ndarray, infrared: np.ndarray, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """One mid-sized box with structure in both modalities (see :func:`pick_target_boxes`)."""
    return pick_target_boxes(visible, infrared, rng, 1)[0]


def _streams(seed: int) -> list[np.random.Generator]:
    # camera, visible photometry, infrared photometry, blur, noise: independent streams.
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]


def plan_real_sequence(still_size: tuple[int, int], box: BoxLike, cfg: RealPairConfig
                       ) -> tuple[list[FrameGeometry], list[Photometry]]:
    """The camera and photometry of every frame, without rendering (deterministic by ``cfg.seed``)."""
    b = check_target_box(box, still_size)
    cam, rng_v, rng_i, rng_b, _ = _streams(cfg.seed)
    geometry = plan_camera(cfg, still_size, b, cam)
    centres = np.array([g.box[:2] + g.box[2:] / 2 for g in geometry])
    motion = np.diff(centres, axis=0, prepend=centres[:1])
    return geometry, plan_photometry(cfg, motion, rng_v, rng_i, rng_b)


def _render(visible: np.ndarray, infrared: np.ndarray, box: BoxLike, cfg: RealPairConfig, where: str
            ) -> Iterator[tuple[FramePair, np.ndarray, FrameGeometry, Photometry]]:
    size = check_pair_arrays(visible, infrared)
    b = check_target_box(box, size, where)
    geometry, photometry = plan_real_sequence(size, b, cfg)
    noise = _streams(cfg.seed)[4]
    out = output_size(cfg, size)
    t = 1.0 / cfg.fps
    for g, p in zip(geometry, photometry):
        vis = g.warp(visible, out, cfg.border)
        ir = g.warp(infrared, out, cfg.border)
        vis, ir = apply_photometry(vis, ir, p, cfg, noise)
        frame = FramePair(g.index, vis, ir, t_visible=g.index * t, t_infrared=g.index * t)
        yield frame, g.gt(), g, p


def make_real_sequence(visible: np.ndarray, infrared: np.ndarray, box: BoxLike, cfg: RealPairConfig,
                       *, where: str = "box") -> Iterator[tuple[FramePair, np.ndarray]]:
    """Frames and ground truth (xywh, NaN when absent) of the sequence made from one still pair.

    ``visible`` is ``H×W×3`` RGB uint8, ``infrared`` ``H×W`` uint8 of the
    same size, ``box`` the target (xywh, in still pixels). The inputs are
    checked at once (InputError, with ``where`` naming the box's origin: a
    CLI flag, a file); frames are then rendered lazily, one at a time.
    """
    size = check_pair_arrays(visible, infrared)
    b = check_target_box(box, size, where)
    return ((frame, gt) for frame, gt, _, _ in _render(visible, infrared, b, cfg, where))


def sequence_seed(seed: int, stem: str, index: int = 0) -> int:
    """A stable per-sequence seed, so adding pairs to a list never changes the others."""
    return int(np.random.SeedSequence([seed, zlib.crc32(stem.encode("utf-8")), index]).generate_state(1)[0])


def clear_layout(out_dir: Path) -> None:
    """Remove the frames and ground truth of a sequence previously written to ``out_dir``."""
    for sub in ("color", "ir"):
        folder = out_dir / sub
        if folder.is_dir():
            for p in folder.iterdir():
                if p.is_file() and p.stem.isdigit():
                    p.unlink()
    for name in LAYOUT_FILES:
        (out_dir / name).unlink(missing_ok=True)


def write_real_sequence(visible_path: str | Path, infrared_path: str | Path, box: BoxLike | None,
                        cfg: RealPairConfig, out_dir: str | Path, progress: bool = True, *,
                        where: str = "box", meta_extra: dict[str, object] | None = None) -> Path:
    """Render the sequence of one still pair into ``out_dir`` in the VOT layout and return ``out_dir``.

    With ``box=None`` a target is chosen by :func:`pick_target_box` (seeded by
    ``cfg.seed``). A previous sequence in ``out_dir`` is replaced. ``meta.json``
    records the source files, the box, the config, and per frame the transform,
    zoom, roll, ground truth, visible fraction, the share of the frame filled
    by the border rule (``border_fraction``) and photometry; ``meta_extra``
    adds (or overrides) top-level entries.
    """
    visible_path, infrared_path, out_dir = Path(visible_path), Path(infrared_path), Path(out_dir)
    visible, infrared = read_pair(visible_path, infrared_path)
    size = (visible.shape[1], visible.shape[0])
    if box is None:
        box_source = "picked"
        box = pick_target_boxes(visible, infrared, np.random.default_rng([cfg.seed, 0x5EED]), 1,
                                where=str(visible_path))[0]
    else:
        box_source = "given"
    b = check_target_box(box, size, where)
    out = output_size(cfg, size)
    clear_layout(out_dir)
    frames_meta: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    with tqdm(total=cfg.frames, desc=out_dir.name, unit="frame", disable=not progress, leave=False) as bar, \
            VotSequenceWriter(out_dir, fps=cfg.fps) as writer:
        for frame, gt, g, p in _render(visible, infrared, b, cfg, where):
            writer.add(frame, gt)
            number = g.index + 1
            frames_meta.append({
                "frame": number,
                "matrix": np.round(g.matrix, 6).tolist(),
                "zoom": round(g.zoom, 5),
                "scale": round(g.scale, 5),
                "angle_deg": round(g.angle_deg, 4),
                "box": np.round(g.box, 3).tolist(),
                "visible_fraction": round(g.visible_fraction, 4),
                "border_fraction": round(g.border_fraction(size, out), 4),
                "present": g.present,
                **p.as_dict(),
            })
            if not g.present:
                events.append({"frame": number, "event": "absent"})
            if p.blur_length > 0:
                events.append({"frame": number, "event": "motion_blur"})
            bar.update(1)
        writer.meta.update({
            "generator": "synth.realpairs",
            "source": {"visible": str(visible_path), "infrared": str(infrared_path), "size": list(size)},
            "box": list(b),
            "box_source": box_source,
            "config": config_to_dict(cfg),
            "out_size": list(out),
            "base_scale": base_scale(cfg, size, b, out),
            "ground_truth": GT_RULE,
            "transform": TRANSFORM_RULE,
            "absent_frames": sum(1 for f in frames_meta if not f["present"]),
            "mean_border_fraction": round(float(np.mean([f["border_fraction"] for f in frames_meta])), 4),
        })
        writer.meta.update(meta_extra or {})
        writer.meta.update({"events": events, "frames": frames_meta})
    return out_dir


def _pair_plan(root: Path, stem: str, cfg: RealPairConfig,
               n_boxes: int) -> tuple[Path, Path, list[tuple[int, int, int, int]]]:
    vis_path, ir_path = find_pair(root, stem)
    visible, infrared = read_pair(vis_path, ir_path)
    rng = np.random.default_rng(sequence_seed(cfg.seed, stem, _PICK_STREAM))
    return vis_path, ir_path, pick_target_boxes(visible, infrared, rng, n_boxes, where=str(vis_path))


def _pair_meta(stem: str, cfg: RealPairConfig, index: int) -> dict[str, object]:
    return {"stem": stem, "box_index": index, "base_seed": cfg.seed}


def write_pair_sequence(pairs_dir: str | Path, stem: str, out_dir: str | Path, cfg: RealPairConfig,
                        box: BoxLike | None = None, progress: bool = True, *, where: str = "box") -> Path:
    """The sequence of pair ``stem`` of ``pairs_dir`` in ``out_dir``, as :func:`write_real_sequences` makes it.

    The seed (and the picked box when ``box`` is None) come from
    ``cfg.seed`` and the stem through :func:`sequence_seed`, so this writes
    the same sequence as a one-box :func:`write_real_sequences` run that
    includes ``stem``.
    """
    root = check_pairs_dir(pairs_dir)
    if box is None:
        vis_path, ir_path, boxes = _pair_plan(root, stem, cfg, 1)
        box, source = boxes[0], "picked"
    else:
        (vis_path, ir_path), source = find_pair(root, stem), "given"
    seq_cfg = replace(cfg, seed=sequence_seed(cfg.seed, stem, 0))
    return write_real_sequence(vis_path, ir_path, box, seq_cfg, out_dir, progress, where=where,
                               meta_extra={**_pair_meta(stem, cfg, 0), "box_source": source})


def write_real_sequences(pairs_dir: str | Path, names: Sequence[str], out_root: str | Path, cfg: RealPairConfig,
                         boxes_per_pair: int = 1, progress: bool = True) -> list[Path]:
    """One sequence folder per (pair, box) under ``out_root``, plus ``out_root/list.txt``.

    Folders are named ``STEM`` (one box per pair) or ``STEM_bK`` (K = 1..).
    Boxes are picked by :func:`pick_target_boxes`; each sequence gets its own
    seed from :func:`sequence_seed`, so results do not depend on the order or
    length of ``names``. A pair too flat for ``boxes_per_pair`` boxes gives
    fewer sequences. ``meta.json`` also records the stem, the box index and
    ``cfg.seed`` as ``base_seed``.
    """
    if boxes_per_pair < 1:
        raise InputError(f"boxes_per_pair: must be at least 1, got {boxes_per_pair}")
    root = check_pairs_dir(pairs_dir)
    out_root = Path(out_root)
    for stem in names:
        find_pair(root, stem)  # fail on an unknown stem before writing anything
    written: list[Path] = []
    for stem in tqdm(names, desc="pairs", unit="pair", disable=not progress):
        vis_path, ir_path, boxes = _pair_plan(root, stem, cfg, boxes_per_pair)
        for k, box in enumerate(boxes):
            name = stem if boxes_per_pair == 1 else f"{stem}_b{k + 1}"
            seq_cfg = replace(cfg, seed=sequence_seed(cfg.seed, stem, k))
            written.append(write_real_sequence(vis_path, ir_path, box, seq_cfg, out_root / name, progress=False,
                                               meta_extra={**_pair_meta(stem, cfg, k), "box_source": "picked"}))
    out_root.mkdir(parents=True, exist_ok=True)
    (out_root / "list.txt").write_text("".join(f"{p.name}\n" for p in written), encoding="utf-8")
    return written
