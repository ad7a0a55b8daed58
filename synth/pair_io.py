"""Finding and reading aligned still pairs laid out as ``DIR/{visible,infrared}/STEM.ext``.

Visible images come back as ``H×W×3`` RGB uint8, infrared as ``H×W`` uint8.
Every failure is an :class:`~core.errors.InputError` naming the folder, file
or stem at fault.
"""
from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np

from core.errors import InputError
from streams.imageio import IMAGE_EXTENSIONS as IMAGE_EXTS
from streams.imageio import read_infrared, read_visible


def check_pairs_dir(pairs_dir: str | Path, where: str = "--pairs") -> Path:
    """The folder holding ``visible/`` and ``infrared/``, or an error naming what is missing."""
    root = Path(pairs_dir)
    if not root.is_dir():
        raise InputError(f"{where}: folder {root} not found")
    for sub in ("visible", "infrared"):
        if not (root / sub).is_dir():
            raise InputError(f"{where}: {root} has no '{sub}/' folder (expected {root}/visible/ and {root}/infrared/)")
    return root


def list_stems(pairs_dir: Path) -> list[str]:
    """Stems that have an image in both ``visible/`` and ``infrared/``, sorted."""
    def stems(sub: str) -> set[str]:
        return {p.stem for p in (pairs_dir / sub).iterdir() if p.suffix.lower() in IMAGE_EXTS}
    return sorted(stems("visible") & stems("infrared"))


def find_image(folder: Path, stem: str) -> Path | None:
    for ext in IMAGE_EXTS:
        for candidate in (folder / f"{stem}{ext}", folder / f"{stem}{ext.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def find_pair(pairs_dir: str | Path, stem: str, where: str = "--name") -> tuple[Path, Path]:
    """Paths of ``visible/STEM.*`` and ``infrared/STEM.*``; an unknown stem is named with close matches."""
    root = check_pairs_dir(pairs_dir)
    vis, ir = find_image(root / "visible", stem), find_image(root / "infrared", stem)
    if vis is None or ir is None:
        missing = "visible" if vis is None else "infrared"
        close = difflib.get_close_matches(stem, list_stems(root), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError(f"{where}: no pair named '{stem}' in {root} (no {missing}/{stem}.* image){hint}")
    return vis, ir


def read_pair(visible_path: str | Path, infrared_path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Both images of an aligned pair (RGB and grey); their sizes must match.

    A missing or undecodable file raises InputError naming it.
    """
    vis, ir = read_visible(visible_path), read_infrared(infrared_path)
    if vis.shape[:2] != ir.shape[:2]:
        raise InputError(
            f"{infrared_path}: infrared is {ir.shape[1]}x{ir.shape[0]} but visible {visible_path} is "
            f"{vis.shape[1]}x{vis.shape[0]}; an aligned pair needs equal sizes"
        )
    return vis, ir


def read_stem_list(path: str | Path, pairs_dir: Path, where: str = "--split") -> list[str]:
    """Stems listed one per line (blank lines and ``#`` comments skipped), each checked to exist."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{where}: list file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the list ({exc})") from None
    stems: list[str] = []
    for number, line in enumerate(lines, start=1):
        stem = line.split("#", 1)[0].strip()
        if not stem:
            continue
        find_pair(pairs_dir, stem, where=f"{path}:{number}")
        stems.append(stem)
    if not stems:
        raise InputError(f"{path}: the list names no pairs")
    return stems
