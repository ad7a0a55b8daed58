"""The metrics CSV: one row per logging window, plus the validation metrics at each epoch's end."""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from core.errors import InputError

COLUMNS = (
    "step", "epoch", "loss", "cls", "l1", "giou", "lr", "samples_per_s",
    "val_vis2ir_miou", "val_vis2ir_p50", "val_vis2ir_cle", "val_ir2vis_miou", "val_ir2vis_p50", "val_ir2vis_cle",
)


def read_metrics(path: str | Path) -> list[dict[str, float | None]]:
    """Rows of a metrics CSV; empty cells become ``None``."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = []
            for number, raw in enumerate(reader, start=2):
                row: dict[str, float | None] = {}
                for key, value in raw.items():
                    if key is None:
                        raise InputError(f"{path}:{number}: more cells than columns")
                    try:
                        row[key] = float(value) if value not in ("", None) else None
                    except ValueError:
                        raise InputError(f"{path}:{number}: column '{key}' is not a number: {value!r}") from None
                rows.append(row)
            return rows
    except FileNotFoundError:
        raise InputError(f"{path}: metrics file not found") from None


class MetricsLog:
    """Appends rows to ``metrics.csv``. Resuming at step ``k`` drops rows written after ``k``."""

    def __init__(self, path: str | Path, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        kept: list[dict[str, Any]] = []
        if resume_step is not None and self.path.is_file():
            kept = [r for r in read_metrics(self.path) if r.get("step") is not None and r["step"] <= resume_step]
        with self.path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            for row in kept:
                writer.writerow(_format(row))

    def append(self, row: dict[str, Any]) -> None:
        unknown = [k for k in row if k not in COLUMNS]
        if unknown:
            raise KeyError(f"metrics row has unknown column '{unknown[0]}'")
        with self.path.open("a", newline="", encoding="utf-8") as fh:
            csv.DictWriter(fh, fieldnames=COLUMNS).writerow(_format(row))


def _format(row: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key in COLUMNS:
        value = row.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[key] = ""
        elif key in ("step", "epoch"):
            out[key] = str(int(value))
        else:
            out[key] = f"{float(value):.6g}"
    return out
