"""Persistent preferences (QSettings): recent sources, last folder, weights, mode, window layout."""
from __future__ import annotations

import json

from PyQt6 import QtCore

from app.sources import SourceSpec
from core.errors import HeteroTrackError

MAX_RECENT = 8


class AppSettings:
    """Typed access to a :class:`QtCore.QSettings` (tests pass one backed by an ini file)."""

    def __init__(self, qsettings: QtCore.QSettings | None = None):
        self.q = qsettings or QtCore.QSettings("HeteroTrack", "HeteroTrack")

    @classmethod
    def at(cls, path: str) -> "AppSettings":
        """Settings stored in the ini file ``path``."""
        return cls(QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat))

    def recent_sources(self) -> list[SourceSpec]:
        """Most recent first; entries that no longer parse are skipped."""
        out = []
        for text in self._list("recent_sources"):
            try:
                out.append(SourceSpec.from_dict(json.loads(text), source="recent source"))
            except (ValueError, HeteroTrackError):
                continue
        return out

    def add_recent(self, spec: SourceSpec) -> None:
        text = json.dumps(spec.to_dict(), sort_keys=True)
        items = [text] + [t for t in self._list("recent_sources") if t != text]
        self.q.setValue("recent_sources", items[:MAX_RECENT])

    def clear_recent(self) -> None:
        self.q.setValue("recent_sources", [])

    def _list(self, key: str) -> list[str]:
        value = self.q.value(key, [])
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in (value or [])]

    def get(self, key: str, default: str = "") -> str:
        value = self.q.value(key, default)
        return default if value is None else str(value)

    def set(self, key: str, value: str) -> None:
        self.q.setValue(key, value)

    def get_bytes(self, key: str) -> QtCore.QByteArray | None:
        value = self.q.value(key)
        return value if isinstance(value, QtCore.QByteArray) else None

    def set_bytes(self, key: str, value: QtCore.QByteArray) -> None:
        self.q.setValue(key, value)

    def sync(self) -> None:
        self.q.sync()
