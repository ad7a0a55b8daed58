"""Cross-modal matching queries: the CSV format, the pair folder, and the query sampler.

A pair folder holds ``visible/NAME`` (RGB) and ``infrared/NAME`` (grey)
images aligned pixel for pixel. A queries CSV has the header
``name,template_modality,tx,ty,tw,th,sx,sy,sw,sh``: the template box
``(tx, ty, tw, th)`` lies in the ``template_modality`` image, the search window
``(sx, sy, sw, sh)`` in the other modality's image, and the target (the same
box, since the pair is aligned) lies inside the window. ``name`` is the file
name (``FLIR_00006.jpg``) or its stem (``FLIR_00006``). Errors name the file
and line; the header is line 1.
"""
from __future__ import annotations

import csv
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.errors import InputError
from synth.boxes import sample_structured_boxes

QUERY_HEADER = ("name", "template_modality", "tx", "ty", "tw", "th", "sx", "sy", "sw", "sh")
MODALITIES = ("visible", "infrared")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
TOLERANCE = 1e-6  # pixels of slack in the containment checks (float CSV values)

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Query:
    """One matching query; ``line`` is its line in the CSV it came from (0 when generated)."""

    name: str
    template_modality: str
    template_box: Box
    search_window: Box
    line: int = 0

    @property
    def search_modality(self) -> str:
        return "infrared" if self.template_modality == "visible" else "visible"

    @property
    def direction(self) -> str:
        """``vis→IR`` or ``IR→vis``."""
        return "vis→IR" if self.template_modality == "visible" else "IR→vis"

    @property
    def target(self) -> Box:
        """The ground-truth box in the search image (the template box: the pair is aligned)."""
        return self.template_box


def _inside(inner: Box, outer: Box) -> bool:
    return (inner[0] >= outer[0] - TOLERANCE and inner[1] >= outer[1] - TOLERANCE
            and inner[0] + inner[2] <= outer[0] + outer[2] + TOLERANCE
            and inner[1] + inner[3] <= outer[1] + outer[3] + TOLERANCE)


def _fmt(box: Box) -> str:
    return ",".join(f"{v:g}" for v in box)


def read_queries(path: str | Path) -> list[Query]:
    """Read and check a queries CSV (header, numbers, modality, sizes, template inside window)."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: queries file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read queries ({exc.strerror})") from None
    queries: list[Query] = []
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None or tuple(h.strip() for h in header) != QUERY_HEADER:
                got = ",".join(header) if header else "an empty file"
                raise InputError(f"{path}:1: header must be exactly '{','.join(QUERY_HEADER)}', got '{got}'")
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                queries.append(_parse_row(row, f"{path}:{reader.line_num}", reader.line_num))
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not a UTF-8 text file") from None
    if not queries:
        raise InputError(f"{path}: no queries after the header")
    return queries


def _parse_row(row: list[str], where: str, line: int) -> Query:
    if len(row) != len(QUERY_HEADER):
        raise InputError(f"{where}: expected {len(QUERY_HEADER)} fields ({','.join(QUERY_HEADER)}), got {len(row)}")
    name, modality = row[0].strip(), row[1].strip()
    if not name:
        raise InputError(f"{where}: empty name")
    if modality not in MODALITIES:
        raise InputError(f"{where}: template_modality '{modality}' is not one of {', '.join(MODALITIES)}")
    values = []
    for field, text in zip(QUERY_HEADER[2:], row[2:]):
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{where}: {field} '{text.strip()}' is not a number") from None
        if not math.isfinite(value):
            raise InputError(f"{where}: {field} '{text.strip()}' is not a finite number")
        values.append(value)
    tbox, window = tuple(values[:4]), tuple(values[4:])
    if tbox[2] <= 0 or tbox[3] <= 0:
        raise InputError(f"{where}: template box {_fmt(tbox)} has zero or negative size")
    if window[2] <= 0 or window[3] <= 0:
        raise InputError(f"{where}: search window {_fmt(window)} is empty or has negative size")
    if not _inside(tbox, window):
        raise InputError(f"{where}: template box {_fmt(tbox)} is not inside the search window {_fmt(window)}")
    return Query(name, modality, tbox, window, line)


def write_queries(path: str | Path, queries: list[Query]) -> None:
    """Write ``queries`` as a queries CSV (numbers in ``%g`` form)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(QUERY_HEADER)
        for q in queries:
            writer.writerow([q.name, q.template_modality, *(f"{v:g}" for v in q.template_box),
                             *(f"{v:g}" for v in q.search_window)])


class PairStore:
    """Resolves names to ``visible/`` and ``infrared/`` files of a pair folder and loads them (cached)."""

    def __init__(self, root: str | Path, cache_size: int = 4, homologous: str | None = None):
        """``homologous="visible"`` (or ``"infrared"``) serves that modality's image as both the template
        and the search image of every query: the same boxes, matched within one modality."""
        if homologous not in (None, *MODALITIES):
            raise InputError(f"homologous: '{homologous}' is not one of {', '.join(MODALITIES)}")
        self.homologous = homologous
        self.root = Path(root)
        for sub in MODALITIES:
            if not (self.root / sub).is_dir():
                raise InputError(f"{self.root}: no '{sub}/' folder (expected {sub}/NAME images)")
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_size = cache_size
        self._sizes: dict[str, tuple[int, int]] = {}

    def names(self) -> list[str]:
        """Stems of all visible images that have an infrared counterpart, sorted."""
        stems = sorted({p.stem for p in (self.root / "visible").iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS})
        return [s for s in stems if self._find("infrared", s) is not None]

    def _find(self, modality: str, name: str) -> Path | None:
        folder = self.root / modality
        if (folder / name).is_file():
            return folder / name
        stem = Path(name).stem if Path(name).suffix.lower() in IMAGE_EXTENSIONS else name
        found = [folder / (stem + ext) for ext in IMAGE_EXTENSIONS if (folder / (stem + ext)).is_file()]
        found += [folder / (stem + ext.upper()) for ext in IMAGE_EXTENSIONS if (folder / (stem + ext.upper())).is_file()]
        return found[0] if found else None

    def path(self, name: str, modality: str) -> Path:
        """The image file of ``name`` in ``modality``; ``FileNotFoundError`` when there is none."""
        if Path(name).name != name:
            raise FileNotFoundError(f"'{name}' must be a file name or stem, not a path")
        found = self._find(modality, name)
        if found is None:
            raise FileNotFoundError(f"no image '{name}' in {self.root / modality}")
        return found

    def load(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(visible RGB H×W×3, infrared H×W)`` uint8 images of ``name``."""
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        vis_path, ir_path = self.path(name, "visible"), self.path(name, "infrared")
        bgr = cv2.imread(str(vis_path), cv2.IMREAD_COLOR)
        ir = cv2.imread(str(ir_path), cv2.IMREAD_GRAYSCALE)
        if bgr is None:
            raise FileNotFoundError(f"cannot decode {vis_path}")
        if ir is None:
            raise FileNotFoundError(f"cannot decode {ir_path}")
        if bgr.shape[:2] != ir.shape:
            raise FileNotFoundError(f"{vis_path} is {bgr.shape[1]}x{bgr.shape[0]} but {ir_path} is "
                                    f"{ir.shape[1]}x{ir.shape[0]}; pairs must be aligned pixel for pixel")
        pair = (cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), ir)
        self._cache[name] = pair
        self._sizes[name] = (ir.shape[1], ir.shape[0])
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pair

    def size(self, name: str) -> tuple[int, int]:
        """``(width, height)`` of the pair ``name``."""
        if name not in self._sizes:
            self.load(name)
        return self._sizes[name]

    def images(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """``(template image, search image)`` of ``query``."""
        vis, ir = self.load(query.name)
        if self.homologous is not None:
            image = vis if self.homologous == "visible" else ir
            return image, image
        return (vis, ir) if query.template_modality == "visible" else (ir, vis)


def check_queries(queries: list[Query], store: PairStore, source: str | Path) -> None:
    """Check that every query's pair exists and its boxes lie inside the image; errors name ``source:line``."""
    for q in queries:
        where = f"{source}:{q.line}"
        try:
            width, height = store.size(q.name)
        except FileNotFoundError as exc:
            raise InputError(f"{where}: {exc}") from None
        frame: Box = (0.0, 0.0, float(width), float(height))
        if not _inside(q.template_box, frame):
            raise InputError(f"{where}: template box {_fmt(q.template_box)} is outside the {width}x{height} image")
        if not _inside(q.search_window, frame):
            raise InputError(f"{where}: search window {_fmt(q.search_window)} is outside the {width}x{height} image")


def read_name_list(path: str | Path, store: PairStore) -> list[str]:
    """Names from a split list (one stem or file name per line, ``#`` comments), each checked to exist."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: list file not found") from None
    names = []
    for number, text in enumerate(lines, start=1):
        name = text.split("#", 1)[0].strip()
        if not name:
            continue
        try:
            store.path(name, "visible"), store.path(name, "infrared")
        except FileNotFoundError as exc:
            raise InputError(f"{path}:{number}: {exc}") from None
        names.append(name)
    if not names:
        raise InputError(f"{path}: no names in the list")
    return names


def search_window_around(box: Box, scale: float, image_size: tuple[int, int], rng: np.random.Generator) -> Box:
    """A window ``scale``× the box on each side (rounded to pixels), with the box at a uniform random
    whole-pixel offset inside it, clipped to the ``(width, height)`` image."""
    x, y, w, h = (int(v) for v in box)
    width, height = image_size
    sw, sh = int(round(scale * w)), int(round(scale * h))
    sx = x - int(rng.integers(0, sw - w + 1))
    sy = y - int(rng.integers(0, sh - h + 1))
    x0, y0 = max(sx, 0), max(sy, 0)
    x1, y1 = min(sx + sw, width), min(sy + sh, height)
    return (float(x0), float(y0), float(x1 - x0), float(y1 - y0))


def make_queries(store: PairStore, names: list[str], n_per_pair: int, seed: int,
                 template_modality: str = "both", window_scale: float = 2.5) -> list[Query]:
    """Sample ``n_per_pair`` structured boxes per pair, reproducibly from ``seed``.

    Boxes come from :func:`synth.boxes.sample_structured_boxes` (sides 24 px to
    a quarter of the shorter image side, aspect 0.5–2, structure in both
    modalities); each gets a window from :func:`search_window_around`. Pair
    ``k`` of ``names`` draws from its own generator seeded ``(seed, k)``. With
    ``template_modality="both"`` each box gives two queries with the same box
    and window, visible→infrared first. Flat pairs may give fewer boxes.
    """
    if template_modality not in (*MODALITIES, "both"):
        raise InputError(f"--template-modality: '{template_modality}' is not visible, infrared or both")
    if n_per_pair < 1:
        raise InputError(f"--n-per-pair: must be at least 1, got {n_per_pair}")
    directions = MODALITIES if template_modality == "both" else (template_modality,)
    queries = []
    for k, name in enumerate(names):
        rng = np.random.default_rng([seed, k])
        try:
            vis, ir = store.load(name)
        except FileNotFoundError as exc:
            raise InputError(f"{store.root}: {exc}") from None
        size = (ir.shape[1], ir.shape[0])
        for box in sample_structured_boxes(vis, ir, rng, n_per_pair):
            window = search_window_around(box, window_scale, size, rng)
            for modality in directions:
                queries.append(Query(name, modality, tuple(float(v) for v in box), window))
    return queries
