"""Tracker results files: one ``x,y,w,h`` line per frame.

The format is the one the RGBT and VOT toolkits read: box in the
:mod:`core.geometry` convention, two decimals, and ``0,0,0,0`` for a frame
where the tracker reports no box (target lost or absent; NaN in memory).
:class:`ResultsWriter` flushes every line as it is written (and can
``os.fsync`` it), so a crash keeps every frame written so far.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import numpy as np

from core.errors import InputError
from streams.groundtruth import read_boxes
from streams.vot_writer import format_box_line


class ResultsWriter:
    """Appends one results line per frame; use as a context manager."""

    def __init__(self, path: str | Path, fsync: bool = False):
        self.path = Path(path)
        self.fsync = fsync
        self.count = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] = open(self.path, "w", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write results ({exc.strerror})") from None

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, box: np.ndarray | tuple[float, float, float, float] | None) -> None:
        """Write the box of the next frame (``None`` or NaN: ``0,0,0,0``) and flush it."""
        if self._file.closed:
            raise ValueError(f"{self.path}: results writer is closed")
        arr = None if box is None else np.asarray(box, dtype=np.float64).reshape(-1)
        if arr is not None and arr.size != 4:
            raise ValueError(f"a results box needs 4 numbers x,y,w,h, got {arr.size}")
        self._file.write(format_box_line(arr) + "\n")
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self.count += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


def write_results(path: str | Path, boxes: np.ndarray, fsync: bool = False) -> Path:
    """Write all ``(N, 4)`` boxes at once (NaN rows as ``0,0,0,0``)."""
    with ResultsWriter(path, fsync=fsync) as writer:
        for box in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
            writer.write(box)
    return Path(path)


def read_results(path: str | Path) -> np.ndarray:
    """Read a results file back as ``(N, 4)`` float64 boxes, NaN where ``0,0,0,0``."""
    return read_boxes(path, what="results file", allow_empty=True)
