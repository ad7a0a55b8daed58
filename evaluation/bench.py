"""``heterotrack bench``: our tracking modes and OpenCV peers on the same sequences, in one run.

Sequences are generated into a cache folder on first use: synthetic scenes
(presets, plus the dropout scene re-rendered without its dropouts, so the
cost of the dropouts is measured on otherwise identical frames) and
sequences made from RoadScene validation pairs by the real-pair maker. Each
sequence's frames are decoded once and every tracker runs on them in turn;
only the trackers' own ``init``/``update`` calls are timed.
"""
from __future__ import annotations

import dataclasses
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from evaluation.opencv_trackers import OpenCVTracker
from evaluation.track_eval import SequenceResult, evaluate_sequence
from evaluation.tracking_metrics import TrackingScores, scores
from streams.frames import FramePair
from streams.open import open_sequence
from streams.results import ResultsWriter

SYNTHETIC_PRESETS = ("day", "dusk", "night", "crossover", "misaligned", "leave-reenter", "dropout")
CLEAN_SUFFIX = "-clean"  # the dropout scene without its dropouts


@dataclass(frozen=True)
class BenchConfig:
    out_dir: Path = Path("out/bench")
    synthetic: tuple[str, ...] = SYNTHETIC_PRESETS
    synthetic_frames: int = 150
    real_split: Path | None = Path("assets/splits/roadscene_val.txt")
    real_pairs: Path = Path("../shared/data/roadscene")
    real_count: int = 12
    real_frames: int = 100
    modes: tuple[str, ...] = ("visible", "infrared", "cross", "fused")
    opencv: tuple[str, ...] = ("csrt", "kcf", "mil")
    weights: Path | None = None
    classic: bool = False
    # Render each synthetic preset once per seed ("night-s101", ...) instead of with its own seed: a
    # development set for tuning the loop that the benchmark's own sequences never see.
    synthetic_seeds: tuple[int, ...] | None = None
    # TrackerConfig overrides for our modes, as (key, value) pairs.
    tracker: tuple[tuple[str, Any], ...] = ()


@dataclass
class TrackerRun:
    name: str
    group: str
    make: Callable[[], Any]
    seconds: float = 0.0
    frames: int = 0
    results: dict[str, SequenceResult] = field(default_factory=dict)
    by_size: dict[str, list[float]] = field(default_factory=dict)  # "WxH" -> [frames, seconds] of updates

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")

    def count(self, size: str, seconds: float) -> None:
        """One update call on a ``size`` ("WxH") visible frame took ``seconds``."""
        self.frames += 1
        self.seconds += seconds
        entry = self.by_size.setdefault(size, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds

    def fps_by_size(self) -> dict[str, float]:
        return {size: n / t for size, (n, t) in sorted(self.by_size.items()) if t > 0}


def prepare_sequences(cfg: BenchConfig, progress: bool = True) -> dict[str, list[Path]]:
    """Write (or reuse) the benchmark sequences; returns group -> sequence folders."""
    from synth.scene import PRESETS, write_scene

    root = cfg.out_dir / "sequences"
    groups: dict[str, list[Path]] = {"synthetic": [], "real": []}
    scenes = []
    for preset in cfg.synthetic:
        scene = dataclasses.replace(PRESETS[preset], frames=cfg.synthetic_frames)
        if cfg.synthetic_seeds is None:
            scenes.append((preset, scene))
        else:
            scenes += [(f"{preset}-s{seed}", dataclasses.replace(scene, seed=seed)) for seed in cfg.synthetic_seeds]
    for base_name, scene in scenes:
        variants = [(base_name, scene)]
        if scene.dropouts:
            variants.append((base_name + CLEAN_SUFFIX, dataclasses.replace(scene, dropouts=())))
        for name, sc in variants:
            path = root / "synthetic" / name
            if not _complete(path, sc.frames):
                write_scene(sc, path, progress=progress)
            groups["synthetic"].append(path)
    if cfg.real_split is not None and cfg.real_count > 0 and (cfg.real_pairs / "visible").is_dir():
        from synth.realpair_config import RealPairConfig
        from synth.realpairs import write_pair_sequence

        names = [n.strip() for n in cfg.real_split.read_text().splitlines() if n.strip()][: cfg.real_count]
        real_cfg = RealPairConfig(frames=cfg.real_frames)
        for stem in names:
            path = root / "real" / stem
            if not _complete(path, cfg.real_frames):
                write_pair_sequence(cfg.real_pairs, stem, path, real_cfg, progress=False)
            groups["real"].append(path)
    return groups


def _complete(path: Path, frames: int) -> bool:
    gt = path / "groundtruth.txt"
    return gt.is_file() and len(gt.read_text().splitlines()) == frames and (path / "sequence").is_file()


class _OurTracker:
    def __init__(self, tracker: Any, name: str):
        self.tracker, self.name = tracker, name

    def init(self, frames: FramePair, box: np.ndarray) -> None:
        self.tracker.init(frames, box, "visible")

    def update(self, frames: FramePair) -> np.ndarray:
        return self.tracker.update(frames).box


def build_trackers(cfg: BenchConfig) -> list[TrackerRun]:
    from core.config import config_from_mapping
    from tracker.config import TrackerConfig
    from tracker.factory import build_backend
    from tracker.tracker import Tracker

    # An unknown key or a bad value fails here, before any sequence runs.
    base = config_from_mapping(TrackerConfig, dict(cfg.tracker), source="bench tracker settings")
    backend = build_backend(cfg.weights, classic=cfg.classic)
    runs = [TrackerRun(f"heterotrack-{m}", "ours",
                       (lambda m=m: _OurTracker(Tracker(backend, dataclasses.replace(base, mode=m)),
                                                f"heterotrack-{m}")))
            for m in cfg.modes]
    for kind in cfg.opencv:
        for modality in ("visible", "infrared"):
            probe = OpenCVTracker(kind, modality)
            runs.append(TrackerRun(probe.name, "opencv", (lambda k=kind, mo=modality: OpenCVTracker(k, mo))))
    runs[0].backend_name = backend.name  # type: ignore[attr-defined]
    return runs


def run_benchmark(cfg: BenchConfig, progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    groups = prepare_sequences(cfg, progress=progress)
    sequences = [(g, p) for g, paths in groups.items() for p in paths]
    runs = build_trackers(cfg)
    results_root = cfg.out_dir / "results"
    decode_s, decoded = 0.0, 0
    bar = tqdm(total=len(sequences) * len(runs), unit="run", desc="bench", disable=not progress)
    for group, path in sequences:
        t0 = time.perf_counter()
        with open_sequence(path) as seq:
            frames = list(seq)
            decode_s += time.perf_counter() - t0
            decoded += len(frames)
            init = seq.init_index or 0
            for run in runs:
                bar.set_postfix(seq=seq.name, tracker=run.name, refresh=False)
                out = results_root / run.name / f"{seq.name}.txt"
                out.parent.mkdir(parents=True, exist_ok=True)
                trk = run.make()
                with ResultsWriter(out) as writer:
                    for i, frame in enumerate(frames):
                        if i < init:
                            writer.write(None)
                            continue
                        t1 = time.perf_counter()
                        if i == init:
                            trk.init(frame, seq.init_box)
                            box = seq.init_box
                            run.seconds += time.perf_counter() - t1
                        else:
                            box = trk.update(frame)
                            run.count(_size(frame), time.perf_counter() - t1)
                        writer.write(box)
                run.results[f"{group}/{seq.name}"] = evaluate_sequence(seq, out)
                bar.update(1)
        del frames
    bar.close()
    return summarise(cfg, runs, groups, decode_ms=1e3 * decode_s / max(decoded, 1))


def _size(frames: FramePair) -> str:
    image = frames.visible if frames.visible is not None else frames.infrared
    return "?" if image is None else f"{image.shape[1]}x{image.shape[0]}"


def _pool(run: TrackerRun, keys: list[str]) -> TrackingScores:
    return scores([run.results[k].errors for k in keys if k in run.results])


def summarise(cfg: BenchConfig, runs: list[TrackerRun], groups: dict[str, list[Path]], decode_ms: float) -> dict:
    keys = {g: [f"{g}/{p.name}" for p in paths] for g, paths in groups.items()}
    main_keys = [k for g in keys for k in keys[g] if not k.endswith(CLEAN_SUFFIX)]
    dropout = [k for k in keys["synthetic"] if Path(k).name.startswith("dropout") and not k.endswith(CLEAN_SUFFIX)]
    clean = [k + CLEAN_SUFFIX for k in dropout]
    table = {}
    for run in runs:
        row = {"group": run.group, "fps": run.fps, "fps_by_size": run.fps_by_size()}
        for label, ks in (("all", main_keys), ("synthetic", [k for k in keys["synthetic"] if k in main_keys]),
                          ("real", keys["real"]), ("dropout", dropout), ("dropout_clean", clean)):
            if ks:
                s = _pool(run, ks)
                row[label] = {"SR": s.sr, "PR": s.pr, "NPR": s.npr, "frames": s.frames}
        row["sequences"] = {k: r.scores.as_dict() for k, r in run.results.items()}
        table[run.name] = row
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()} {platform.processor() or ''} ({_cpu_count()} CPU threads visible)".strip(),
        "backend": getattr(runs[0], "backend_name", "?") if runs else "?",
        "tracker_config": _tracker_config(cfg),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(cfg).items()},
        "sequences": {g: [p.name for p in paths] for g, paths in groups.items()},
        "decode_ms_per_frame_pair": decode_ms,
        "trackers": table,
    }


def _settings(config: dict[str, Any]) -> str:
    """The few TrackerConfig fields the loop's accuracy turns on, as ``key=value`` text."""
    keys = ("window_influence", "velocity_lr", "velocity_max_innovation", "coast_weak", "auto_align", "scan_tiles",
            "scan_at_prediction", "scales", "lost_threshold", "relative_weak", "relative_window", "relative_reacquire",
            "reacquire_relax", "reacquire_near", "heterologous_window", "heterologous_context",
            "heterologous_blend", "heterologous_mask", "heterologous_mask_separation", "homologous_mask",
            "heterologous_silhouette", "heterologous_silhouette_min", "heterologous_silhouette_separation",
            "heterologous_share_pyramid", "heterologous_scale_fit", "heterologous_second",
            "heterologous_reacquire_gate", "heterologous_reacquire_growth", "camera_motion", "camera_velocity_decay",
            "box_extent", "extent_check", "extent_aspect", "verify_below", "verify_tiles", "verify_margin")
    return ", ".join(f"{k}={config[k]}" for k in keys if k in config) or "defaults"


def _tracker_config(cfg: BenchConfig) -> dict[str, Any]:
    """The TrackerConfig our modes ran with (mode aside), for the report."""
    from tracker.config import TrackerConfig

    full = dataclasses.asdict(TrackerConfig(**dict(cfg.tracker)))
    full.pop("mode")
    return full


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 0


def markdown(report: dict) -> str:
    rows = report["trackers"]
    groups = [g for g in ("all", "synthetic", "real", "dropout", "dropout_clean")
              if any(g in r for r in rows.values())]
    sizes = sorted({size for r in rows.values() for size in r.get("fps_by_size", {})},
                   key=lambda text: [int(v) if v.isdigit() else 0 for v in text.split("x")])
    head = ("| tracker | " + " | ".join(f"{g} SR | {g} PR" for g in groups) + " | fps |"
            + "".join(f" fps {size} |" for size in sizes))
    lines = [head, "|---|" + "---:|" * (2 * len(groups) + 1 + len(sizes))]
    for name, r in rows.items():
        cells = []
        for g in groups:
            v = r.get(g)
            cells += [f"{v['SR']:.3f}", f"{v['PR']:.3f}"] if v else ["—", "—"]
        by_size = r.get("fps_by_size", {})
        cells += [f"{r['fps']:.1f}"] + [f"{by_size[size]:.1f}" if size in by_size else "—" for size in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(report: dict, json_path: Path, md_path: Path, command: str) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    seqs = report["sequences"]
    text = [f"# Tracking benchmark ({report['date']})", "",
            f"Command: `{command}`", "",
            f"Machine: {report['machine']}. Backend of our modes: {report['backend']}.",
            "Tracker settings of our modes: " + _settings(report.get("tracker_config", {})) + ".",
            f"Sequences: synthetic {', '.join(seqs.get('synthetic', [])) or '—'}; "
            f"real (RoadScene pairs of {report.get('config', {}).get('real_split') or 'no list'}) "
            f"{len(seqs.get('real', []))}.",
            "SR = success AUC, PR = precision at 20 px (RGB-T convention, see evaluation/tracking_metrics.py). "
            "fps = tracker init/update calls only, frames already decoded; 'fps WxH' counts the update calls "
            "on frames of that size "
            f"(decoding took {report['decode_ms_per_frame_pair']:.1f} ms per frame pair).",
            "'dropout' is the dropout scene; 'dropout_clean' the same frames without the dropouts.", "",
            markdown(report), ""]
    md_path.write_text("\n".join(text), encoding="utf-8")
