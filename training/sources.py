"""Where training pairs come from: cached RoadScene pairs and a pool of synthetic scenes.

A source hands the sampler *views*: one modality's image with a target box
and the padding colour of the full frame. It draws positive pairs (the same
object in the template's and the search's modality) and distractors (a view of
something else, for hard negatives). Images are decoded once and kept in
memory; nothing is read from disk while training.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

import cv2
import numpy as np

from core.errors import ConfigError, InputError
from core.geometry import context_size
from synth.boxes import sample_structured_boxes

MODALITIES = ("visible", "infrared")


@dataclass(frozen=True, eq=False)
class View:
    """One modality's image with the target's xywh box in that image."""

    image: np.ndarray  # H×W×3 RGB or H×W, uint8
    box: tuple[float, float, float, float]
    pad: tuple[float, ...]  # mean colour of the full frame (SiamFC mean padding)
    name: str  # where it came from, e.g. "roadscene:FLIR_00006" or "synthetic:3:17"


class PairSource(Protocol):
    """What the sampler needs from a source of training pairs."""

    names: frozenset[str]  # identifiers of the images it uses (RoadScene stems), checked against validation

    def draw_pair(self, rng: np.random.Generator, template_modality: str, search_modality: str) -> tuple[View, View]:
        """The same target in a template view and a search view."""
        ...

    def draw_distractor(self, rng: np.random.Generator, modality: str, search: View, window: float) -> View:
        """A view of something other than ``search``'s target.

        ``window`` is the side, in image pixels, of the square around the
        target centre that the search crop may cover; a distractor from the
        same image must lie outside it.
        """
        ...


def mean_pad(image: np.ndarray) -> tuple[float, ...]:
    """The per-channel mean of an image, the SiamFC padding colour."""
    if image.ndim == 3:
        return tuple(float(v) for v in image.reshape(-1, image.shape[2]).mean(axis=0))
    return (float(image.mean()),)


# --------------------------------------------------------------------------------------------- RoadScene


def read_split(path: str | Path) -> list[str]:
    """Stems listed one per line in a split file (blank lines and ``#`` comments skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: split list not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read split list ({exc.strerror})") from None
    stems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        stem = line.split("#", 1)[0].strip()
        if not stem:
            continue
        if "/" in stem or "\\" in stem or stem.endswith(".jpg"):
            raise InputError(f"{path}:{number}: '{stem}' is not a bare image stem (no folder, no extension)")
        if stem in seen:
            raise InputError(f"{path}:{number}: stem '{stem}' already listed on line {seen[stem]}")
        seen[stem] = number
        stems.append(stem)
    if not stems:
        raise InputError(f"{path}: split list is empty")
    return stems


@dataclass(frozen=True, eq=False)
class ImagePair:
    """A decoded, aligned RoadScene pair."""

    stem: str
    visible: np.ndarray
    infrared: np.ndarray
    pad_visible: tuple[float, ...]
    pad_infrared: tuple[float, ...]

    def image(self, modality: str) -> np.ndarray:
        return self.visible if modality == "visible" else self.infrared

    def pad(self, modality: str) -> tuple[float, ...]:
        return self.pad_visible if modality == "visible" else self.pad_infrared


def load_roadscene(root: str | Path, stems: Sequence[str], list_name: str = "split list") -> list[ImagePair]:
    """Decode ``root/{visible,infrared}/STEM.jpg`` for each stem into memory (RGB and grey uint8)."""
    root = Path(root)
    for sub in ("visible", "infrared"):
        if not (root / sub).is_dir():
            raise InputError(f"{root}: RoadScene folder not found (expected {root / sub}); pass --roadscene DIR "
                             "or train on synthetic scenes only with --synthetic-only")
    pairs = []
    for stem in stems:
        vis_path, ir_path = root / "visible" / f"{stem}.jpg", root / "infrared" / f"{stem}.jpg"
        for p in (vis_path, ir_path):
            if not p.is_file():
                raise InputError(f"{p}: image listed in {list_name} not found")
        bgr = cv2.imread(str(vis_path), cv2.IMREAD_COLOR)
        ir = cv2.imread(str(ir_path), cv2.IMREAD_GRAYSCALE)
        if bgr is None or ir is None:
            raise InputError(f"{vis_path if bgr is None else ir_path}: cannot decode image")
        vis = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        if vis.shape[:2] != ir.shape[:2]:
            raise InputError(f"{ir_path}: size {ir.shape[1]}x{ir.shape[0]} differs from the visible image's "
                             f"{vis.shape[1]}x{vis.shape[0]} (RoadScene pairs must be aligned)")
        pairs.append(ImagePair(stem, vis, ir, mean_pad(vis), mean_pad(ir)))
    return pairs


class RoadSceneSource:
    """Aligned real pairs; targets are structured boxes (``synth.boxes``), the same box in both modalities.

    Each image gets a bank of ``boxes_per_image`` boxes, drawn the first time
    the image is used from a generator seeded by (seed, image index), so the
    bank does not depend on the order of use (or on the process that builds
    it). Images with no structured box are skipped.
    """

    def __init__(self, pairs: Sequence[ImagePair], boxes_per_image: int, seed: int) -> None:
        if not pairs:
            raise ConfigError("RoadScene source: no image pairs")
        self.pairs = list(pairs)
        self.names = frozenset(p.stem for p in self.pairs)
        self._index = {p.stem: i for i, p in enumerate(self.pairs)}
        self.boxes_per_image = boxes_per_image
        self.seed = seed
        self._banks: dict[int, np.ndarray] = {}

    def boxes(self, index: int) -> np.ndarray:
        """The box bank (N, 4) of image ``index``; N may be 0 for a flat image."""
        bank = self._banks.get(index)
        if bank is None:
            pair = self.pairs[index]
            rng = np.random.default_rng([self.seed, index])
            found = sample_structured_boxes(pair.visible, pair.infrared, rng, self.boxes_per_image)
            if not found:  # a flat image: accept weaker structure rather than nothing
                found = sample_structured_boxes(pair.visible, pair.infrared, rng, self.boxes_per_image, min_score=1.0)
            bank = np.asarray(found, dtype=np.float64).reshape(-1, 4)
            self._banks[index] = bank
        return bank

    def _pick(self, rng: np.random.Generator, exclude: int | None = None) -> tuple[int, np.ndarray]:
        for _ in range(100):
            index = int(rng.integers(len(self.pairs)))
            if index == exclude and len(self.pairs) > 1:
                continue
            bank = self.boxes(index)
            if len(bank):
                return index, bank
        raise InputError(f"RoadScene: no image with structured boxes among {len(self.pairs)} pairs "
                         f"(e.g. {self.pairs[0].stem})")

    def _view(self, index: int, box: np.ndarray, modality: str) -> View:
        pair = self.pairs[index]
        return View(pair.image(modality), tuple(float(v) for v in box), pair.pad(modality), f"roadscene:{pair.stem}")

    def draw_pair(self, rng: np.random.Generator, template_modality: str, search_modality: str) -> tuple[View, View]:
        index, bank = self._pick(rng)
        box = bank[int(rng.integers(len(bank)))]
        return self._view(index, box, template_modality), self._view(index, box, search_modality)

    def draw_distractor(self, rng: np.random.Generator, modality: str, search: View, window: float) -> View:
        """Half the time another region of the same image outside ``window``, else another image."""
        index = self._index[search.name.split(":", 1)[1]]
        if rng.random() < 0.5:
            bank = self.boxes(index)
            cx, cy = search.box[0] + search.box[2] / 2, search.box[1] + search.box[3] / 2
            centres = bank[:, :2] + bank[:, 2:] / 2
            reach = window / 2 + bank[:, 2:] / 2
            away = (np.abs(centres[:, 0] - cx) > reach[:, 0]) | (np.abs(centres[:, 1] - cy) > reach[:, 1])
            candidates = np.flatnonzero(away)
            if len(candidates):
                return self._view(index, bank[int(rng.choice(candidates))], modality)
        other, bank = self._pick(rng, exclude=index)
        return self._view(other, bank[int(rng.integers(len(bank)))], modality)


# --------------------------------------------------------------------------------------------- synthetic


@dataclass(frozen=True, eq=False)
class SynthRecord:
    """One synthetic frame, kept only around the target (each modality around its own box)."""

    visible: View
    infrared: View

    def view(self, modality: str) -> View:
        return self.visible if modality == "visible" else self.infrared


SceneFactory = Callable[[int], Iterable]
"""Scene index -> iterable of frames with ``.frame`` (a ``FramePair``), ``.box_visible``, ``.box_infrared``."""


MAX_OCCLUSION = 0.5
MIN_IN_FRAME = 0.7
MAX_CROSSOVER = 0.7


def usable_events(events) -> bool:
    """False for frames whose event record (``synth.scene``) says the target is hard to see.

    Skipped: out of view in either modality, more than half occluded, mostly
    outside the frame, a dropout in either stream, or deep thermal crossover.
    Frames without an event record pass.
    """
    if not isinstance(events, dict):
        return True
    return not (
        events.get("out_of_view") or events.get("out_of_view_infrared")
        or float(events.get("occlusion") or 0.0) > MAX_OCCLUSION
        or float(events.get("in_frame", 1.0)) < MIN_IN_FRAME
        or events.get("dropout_visible") or events.get("dropout_infrared")
        or float(events.get("crossover_weight") or 0.0) > MAX_CROSSOVER
    )


def valid_box(box, image: np.ndarray | None) -> bool:
    """True for a finite, positive-size xywh box that lies mostly inside ``image``."""
    if image is None or box is None:
        return False
    b = np.asarray(box, dtype=np.float64).reshape(-1)
    if b.size != 4 or not np.all(np.isfinite(b)) or b[2] < 4 or b[3] < 4:
        return False
    h, w = image.shape[:2]
    cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
    return 0 <= cx < w and 0 <= cy < h


def keep_region(image: np.ndarray, box, reach: float, name: str) -> View:
    """A view holding only the part of ``image`` within ``reach`` context sizes of the box centre.

    The padding colour stays the full frame's mean, so crops come out exactly
    as they would from the full frame.
    """
    x, y, w, h = (float(v) for v in box)
    half = reach * context_size(w, h) + 2.0
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(math.floor(cx - half))), max(0, int(math.floor(cy - half)))
    x1, y1 = min(image.shape[1], int(math.ceil(cx + half))), min(image.shape[0], int(math.ceil(cy + half)))
    region = np.ascontiguousarray(image[y0:y1, x0:x1])
    return View(region, (x - x0, y - y0, w, h), mean_pad(image), name)


class SyntheticPool:
    """Frames of several synthetic scenes generated once at start and kept in memory.

    A positive pair takes the template and the search from two frames of the
    same scene at most ``max_gap`` frames apart (either order); a distractor
    comes from another scene.
    """

    def __init__(self, scenes: Sequence[Sequence[SynthRecord]], max_gap: int) -> None:
        self.scenes = [list(s) for s in scenes if len(s) >= 2]
        if not self.scenes:
            raise ConfigError("synthetic pool: no scene has two usable frames (target visible in both modalities)")
        self.max_gap = max_gap
        self.names = frozenset()  # synthetic frames never clash with RoadScene validation stems

    @classmethod
    def generate(cls, factory: SceneFactory, n_scenes: int, n_frames: int, max_gap: int, reach: float) -> "SyntheticPool":
        """Run ``factory`` for scenes ``0..n_scenes-1``, keeping the usable frames (at most ``n_frames``) of each.

        ``reach`` (in context sizes around the target) bounds the part of each
        frame that is kept; see :func:`keep_region`.
        """
        scenes = []
        for s in range(n_scenes):
            records: list[SynthRecord] = []
            for t, item in enumerate(factory(s)):
                if len(records) >= n_frames:
                    break
                vis, ir = item.frame.visible, item.frame.infrared
                if not (valid_box(item.box_visible, vis) and valid_box(item.box_infrared, ir)
                        and usable_events(getattr(item, "events", None))):
                    continue
                name = f"synthetic:{s}:{t}"
                records.append(SynthRecord(keep_region(vis, item.box_visible, reach, name),
                                           keep_region(ir, item.box_infrared, reach, name)))
            scenes.append(records)
        return cls(scenes, max_gap)

    def __len__(self) -> int:
        return sum(len(s) for s in self.scenes)

    def draw_pair(self, rng: np.random.Generator, template_modality: str, search_modality: str) -> tuple[View, View]:
        scene = self.scenes[int(rng.integers(len(self.scenes)))]
        t1 = int(rng.integers(len(scene)))
        lo, hi = max(0, t1 - self.max_gap), min(len(scene) - 1, t1 + self.max_gap)
        t2 = int(rng.integers(lo, hi + 1))
        return scene[t1].view(template_modality), scene[t2].view(search_modality)

    def draw_distractor(self, rng: np.random.Generator, modality: str, search: View, window: float) -> View:
        current = int(search.name.split(":")[1])
        others = [i for i in range(len(self.scenes)) if i != current] or list(range(len(self.scenes)))
        scene = self.scenes[others[int(rng.integers(len(others)))]]
        return scene[int(rng.integers(len(scene)))].view(modality)


def default_scene_factory(presets: Sequence[str], seed: int, n_frames: int) -> SceneFactory:
    """Scenes from ``synth.scene``: scene ``i`` is preset ``presets[i % len]`` with seed ``seed + i``.

    Each scene is rendered with ``n_frames`` frames over the preset's own
    duration (a lower frame rate, without the renderer's motion blur), so the
    whole story (occlusion, crossing look-alikes, lighting) is sampled, not
    just its first second.
    """
    try:
        from synth.scene import PRESETS, generate_scene
    except ImportError as exc:
        raise ConfigError(f"synthetic scenes: synth.scene is not available ({exc}); "
                          "train on RoadScene only with --set synthetic_fraction=0") from None
    names = list(presets) or sorted(PRESETS)
    unknown = [p for p in names if p not in PRESETS]
    if unknown:
        raise ConfigError(f"synthetic_presets: unknown preset '{unknown[0]}' (known: {', '.join(sorted(PRESETS))})")

    def factory(index: int) -> Iterable:
        base = PRESETS[names[index % len(names)]]
        fps = min(base.fps, max(1.0, n_frames / base.duration))
        # At a low frame rate the renderer's exposure-length motion blur would smear the target.
        blur = base.motion_blur and fps >= base.fps
        return generate_scene(dataclasses.replace(base, seed=seed + index, frames=n_frames, fps=fps, motion_blur=blur))

    return factory
