"""Assemble the training sampler and the validation set from the configured data.

RoadScene training pairs come from the train list only; the validation list is
passed to the sampler as forbidden, so a stem in both lists stops the run. The
validation set is drawn from the validation list (evaluation only), or from
held-out synthetic scenes when training on synthetic data only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from training.config import TrainConfig
from training.sampler import PairSampler, search_reach
from training.sources import RoadSceneSource, SceneFactory, SyntheticPool, default_scene_factory, load_roadscene, read_split
from training.validation import ValSet, build_val_set

HELD_OUT_SCENES = 100_000  # synthetic validation scenes use indices from here on


@dataclass(frozen=True)
class DataSpec:
    """Where the data lives. ``roadscene=None`` trains on synthetic scenes only."""

    roadscene: Path | None
    train_list: Path
    val_list: Path


@dataclass(frozen=True, eq=False)
class TrainingData:
    sampler: PairSampler
    val: ValSet | None
    info: dict[str, Any]  # what went in, for the checkpoint metadata


def build_training_data(
    cfg: TrainConfig,
    spec: DataSpec,
    scene_factory: SceneFactory | None = None,
    with_validation: bool = True,
) -> TrainingData:
    """Load and cache the sources, build the sampler, and (optionally) the fixed validation set."""
    info: dict[str, Any] = {}
    sources = []
    val_stems = read_split(spec.val_list)
    info["val_list"] = str(spec.val_list)
    real_weight = 1.0 - cfg.synthetic_fraction if spec.roadscene is not None else 0.0
    synth_weight = cfg.synthetic_fraction if spec.roadscene is not None else 1.0
    if spec.roadscene is not None and real_weight > 0:
        train_stems = read_split(spec.train_list)
        overlap = sorted(set(train_stems) & set(val_stems))
        if overlap:
            raise ConfigError(f"{spec.train_list}: stem '{overlap[0]}' is also in the validation list "
                              f"{spec.val_list} ({len(overlap)} shared); never train on validation images")
        pairs = load_roadscene(spec.roadscene, train_stems, str(spec.train_list))
        sources.append((RoadSceneSource(pairs, cfg.boxes_per_image, cfg.seed), real_weight))
        info.update(roadscene=str(spec.roadscene), train_list=str(spec.train_list), train_images=len(pairs))
    if synth_weight > 0:
        factory = scene_factory or default_scene_factory(cfg.synthetic_presets, cfg.seed, cfg.synthetic_frames)
        pool = SyntheticPool.generate(factory, cfg.synthetic_scenes, cfg.synthetic_frames, cfg.max_frame_gap,
                                      search_reach(cfg))
        sources.append((pool, synth_weight))
        info.update(synthetic_scenes=len(pool.scenes), synthetic_frames=len(pool))
    sampler = PairSampler(sources, cfg, forbidden=frozenset(val_stems))
    val = None
    if with_validation and cfg.val_pairs > 0:
        if spec.roadscene is not None:
            val_pairs = load_roadscene(spec.roadscene, val_stems, str(spec.val_list))
            val_source = RoadSceneSource(val_pairs, cfg.boxes_per_image, cfg.val_seed)
            val = build_val_set(PairSampler([(val_source, 1.0)], cfg), cfg.val_pairs, cfg.val_seed,
                                f"roadscene:{spec.val_list}")
        else:
            factory = scene_factory or default_scene_factory(cfg.synthetic_presets, cfg.seed, cfg.synthetic_frames)
            n_val = max(2, cfg.synthetic_scenes // 4)
            held_out = SyntheticPool.generate(lambda i: factory(HELD_OUT_SCENES + i), n_val, cfg.synthetic_frames,
                                              cfg.max_frame_gap, search_reach(cfg))
            val = build_val_set(PairSampler([(held_out, 1.0)], cfg), cfg.val_pairs, cfg.val_seed,
                                f"synthetic held-out scenes {HELD_OUT_SCENES}..{HELD_OUT_SCENES + n_val - 1}")
        info["validation"] = val.source
    return TrainingData(sampler, val, info)
