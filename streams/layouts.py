"""Recognising the on-disk layout of a visible/IR sequence folder.

Three layouts are detected, tried in this order (folder and file names match
case-insensitively):

``vot``      VOT multi-channel: ``color/``, ``ir/``, an optional ``sequence``
             file (``channels.color=color/%08d.jpg``, ``channels.ir=...``,
             ``fps=``), ``groundtruth.txt`` (x,y,w,h or an 8-number polygon)
             and ``ir_groundtruth.txt`` (IR boxes of misaligned streams; when
             absent the IR boxes equal the visible ones).
``rgbt234``  RGBT234 and LasHeR: ``visible/``, ``infrared/``, ``visible.txt``,
             ``infrared.txt`` (x,y,w,h, comma or whitespace separated) and/or
             ``init.txt``.
``gtot``     GTOT: ``v/``, ``i/``, ``groundTruth_v.txt``, ``groundTruth_i.txt``
             (inclusive left,top,right,bottom) and ``init.txt`` (x,y,w,h).

:func:`detect_layout` returns a :class:`SequenceFiles` listing the frames
and annotation files; :mod:`streams.sequence` reads them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.errors import InputError
from streams.imageio import list_images


@dataclass(frozen=True)
class SequenceFiles:
    """The files of one detected sequence (ground truth paths are ``None`` when absent)."""

    layout: str
    root: Path
    visible_frames: tuple[Path, ...]
    infrared_frames: tuple[Path, ...]
    gt_visible: Path | None = None
    gt_infrared: Path | None = None
    box_format: str = "xywh"
    allow_polygon: bool = False
    infrared_gt_from_visible: bool = False  # aligned layout: no IR file means IR boxes == visible boxes
    init_file: Path | None = None
    fps: float | None = None


def _entry(root: Path, name: str, want_dir: bool) -> Path | None:
    """``root/name``, matched exactly first and then ignoring case."""
    exact = root / name
    if (exact.is_dir() if want_dir else exact.is_file()):
        return exact
    lowered = name.lower()
    for child in sorted(root.iterdir()):
        if child.name.lower() == lowered and (child.is_dir() if want_dir else child.is_file()):
            return child
    return None


def find_dir(root: Path, name: str) -> Path | None:
    return _entry(root, name, want_dir=True)


def find_file(root: Path, name: str) -> Path | None:
    return _entry(root, name, want_dir=False)


def read_sequence_file(path: Path) -> dict[str, tuple[str, int]]:
    """``key=value`` lines of a VOT ``sequence`` file: key -> (value, line number)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the sequence file ({exc})") from None
    props: dict[str, tuple[str, int]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{path}:{n}: expected key=value, got '{line}'")
        props[key.strip()] = (value.strip(), n)
    return props


def _pattern_frames(root: Path, pattern: str, where: str) -> tuple[Path, ...]:
    """Frames ``pattern % 1``, ``pattern % 2``, ... while the files exist (VOT numbering is 1-based)."""
    try:
        first = pattern % 1
    except (TypeError, ValueError):
        raise InputError(f"{where}: '{pattern}' is not a frame pattern like color/%08d.jpg") from None
    if first == pattern:
        raise InputError(f"{where}: '{pattern}' is not a frame pattern like color/%08d.jpg")
    frames = []
    i = 1
    while (root / (pattern % i)).is_file():
        frames.append(root / (pattern % i))
        i += 1
    if not frames:
        raise InputError(f"{where}: pattern '{pattern}' matches no file (looked for {root / first})")
    return tuple(frames)


_VOT_VISIBLE_KEYS = ("channels.color", "channels.rgb", "channels.visible")
_VOT_IR_KEYS = ("channels.ir", "channels.infrared", "channels.thermal")


def _vot_channel(root: Path, props: dict[str, tuple[str, int]], keys: tuple[str, ...], folder: Path,
                 seq_file: Path | None, modality: str) -> tuple[Path, ...]:
    for key in keys:
        if key in props:
            value, line = props[key]
            return _pattern_frames(root, value, f"{seq_file}:{line}")
    return tuple(list_images(folder, f"{modality} frame folder"))


def detect_vot(root: Path) -> SequenceFiles | None:
    color, ir = find_dir(root, "color"), find_dir(root, "ir")
    if color is None or ir is None:
        return None
    seq_file = find_file(root, "sequence")
    props = read_sequence_file(seq_file) if seq_file else {}
    fps = None
    if "fps" in props:
        value, line = props["fps"]
        try:
            fps = float(value)
        except ValueError:
            fps = None
        if fps is None or not (math.isfinite(fps) and fps > 0):
            raise InputError(f"{seq_file}:{line}: fps must be a positive number, got '{value}'")
    return SequenceFiles(
        layout="vot",
        root=root,
        visible_frames=_vot_channel(root, props, _VOT_VISIBLE_KEYS, color, seq_file, "visible"),
        infrared_frames=_vot_channel(root, props, _VOT_IR_KEYS, ir, seq_file, "infrared"),
        gt_visible=find_file(root, "groundtruth.txt"),
        gt_infrared=find_file(root, "ir_groundtruth.txt"),
        allow_polygon=True,
        infrared_gt_from_visible=True,
        fps=fps,
    )


def detect_rgbt234(root: Path) -> SequenceFiles | None:
    vis, ir = find_dir(root, "visible"), find_dir(root, "infrared")
    if vis is None or ir is None:
        return None
    return SequenceFiles(
        layout="rgbt234",
        root=root,
        visible_frames=tuple(list_images(vis, "visible frame folder")),
        infrared_frames=tuple(list_images(ir, "infrared frame folder")),
        gt_visible=find_file(root, "visible.txt"),
        gt_infrared=find_file(root, "infrared.txt"),
        init_file=find_file(root, "init.txt"),
    )


def detect_gtot(root: Path) -> SequenceFiles | None:
    vis, ir = find_dir(root, "v"), find_dir(root, "i")
    if vis is None or ir is None:
        return None
    return SequenceFiles(
        layout="gtot",
        root=root,
        visible_frames=tuple(list_images(vis, "visible frame folder")),
        infrared_frames=tuple(list_images(ir, "infrared frame folder")),
        gt_visible=find_file(root, "groundTruth_v.txt"),
        gt_infrared=find_file(root, "groundTruth_i.txt"),
        box_format="ltrb",
        init_file=find_file(root, "init.txt"),
    )


# name -> (detector, the folders it needs, what it also reads). Tried in this order.
LAYOUTS: dict[str, tuple[Callable[[Path], SequenceFiles | None], tuple[str, str], str]] = {
    "vot": (detect_vot, ("color", "ir"), "sequence, groundtruth.txt, ir_groundtruth.txt"),
    "rgbt234": (detect_rgbt234, ("visible", "infrared"), "visible.txt, infrared.txt, init.txt"),
    "gtot": (detect_gtot, ("v", "i"), "groundTruth_v.txt, groundTruth_i.txt, init.txt"),
}


def detect_layout(root: str | Path) -> SequenceFiles:
    """Detect the layout of the sequence folder ``root``.

    Raises :class:`InputError` when the folder is missing or matches no
    layout; the message lists every layout and the folders it looked for,
    and any half-present pair (e.g. ``color/`` without ``ir/``).
    """
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: sequence folder not found")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder (expected a sequence folder)")
    for detector, _, _ in LAYOUTS.values():
        found = detector(root)
        if found is not None:
            return found
    looked = "; ".join(f"{name}: {a}/ and {b}/ (+ {extra})" for name, (_, (a, b), extra) in LAYOUTS.items())
    half = [
        f"found {a}/ but not {b}/" if find_dir(root, a) else f"found {b}/ but not {a}/"
        for _, (a, b), _ in LAYOUTS.values()
        if (find_dir(root, a) is None) != (find_dir(root, b) is None)
    ]
    hint = f" ({'; '.join(half)})" if half else ""
    raise InputError(f"{root}: not a recognised sequence folder{hint}; looked for {looked}")
