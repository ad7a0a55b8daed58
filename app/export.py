"""Exports: the results file (written as tracking goes) and a PNG of the window.

The annotated side-by-side video is written by the engine in the worker
thread (:meth:`app.engine.TrackingEngine.start_video`), next to the frames.
"""
from __future__ import annotations

from pathlib import Path

from app.history import TrackHistory
from core.errors import InputError
from streams.results import ResultsWriter


class ResultsExporter:
    """Keeps a results file equal to the history: one ``x,y,w,h`` line per frame from frame 0.

    Lines are appended (and flushed) as frames are tracked, in the CLI's
    format (:class:`streams.results.ResultsWriter`; ``0,0,0,0`` where nothing
    was tracked, the initial box on the selection frame). When earlier
    frames change (a new selection, a frame tracked again after seeking
    back) the file is rewritten from the history.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._writer = ResultsWriter(self.path)
        self._written = 0
        self._revision: int | None = None

    def sync(self, history: TrackHistory) -> int:
        """Bring the file up to date; returns the number of lines in it."""
        if self._writer.closed:
            raise ValueError(f"{self.path}: results export is closed")
        if self._revision is not None and history.revision != self._revision:
            self._writer.close()
            self._writer = ResultsWriter(self.path)
            self._written = 0
        self._revision = history.revision
        for i in range(self._written, history.last + 1):
            self._writer.write(history.box_at(i))
        self._written = max(self._written, history.last + 1)
        return self._written

    @property
    def lines(self) -> int:
        return self._written

    def close(self) -> None:
        self._writer.close()


def save_widget_png(widget, path: str | Path) -> Path:
    """Render ``widget`` (e.g. the main window) into a PNG file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the folder ({exc.strerror})") from None
    if not widget.grab().save(str(path), "PNG"):
        raise InputError(f"{path}: could not write the PNG image")
    return path
