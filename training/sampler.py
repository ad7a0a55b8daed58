"""Training pairs: a SiamFC template crop in one modality and a search crop in another.

The template is centred on the target with side ``context_size(w, h)``,
resized to the exemplar size. The search crop is ``instance/exemplar`` times
larger (times a random scale factor), shifted so the target centre lands at a
random offset from the crop centre, resized to the instance size, with mean
padding. Both crops go through ``core.geometry.crop_resize``. The sample
carries the target's exact box and centre in search-crop pixels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from core.errors import ConfigError
from core.geometry import context_size, crop_resize
from training.augment import PhotometricParams, geometric, invert, photometric
from training.config import DIRECTIONS, TrainConfig
from training.sources import PairSource, View, mean_pad


@dataclass(frozen=True, eq=False)
class PairSample:
    """One training pair. ``box`` (xywh) and ``center`` are in search-crop pixels.

    For a hard negative (``negative``) the template shows something else; the
    box and centre still locate the search view's own target.
    """

    template_modality: str
    search_modality: str
    template: np.ndarray  # exemplar×exemplar(×3) uint8
    search: np.ndarray  # instance×instance(×3) uint8
    box: np.ndarray  # (4,) xywh
    center: np.ndarray  # (2,) x, y
    negative: bool
    name: str

    @property
    def direction(self) -> str:
        return f"{self.template_modality}>{self.search_modality}"


def box_center(box: Sequence[float]) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2.0, y + h / 2.0


def crop_template(view: View, cfg: TrainConfig) -> np.ndarray:
    """The exemplar crop of ``view``: centred on its box, side ``context_size``, mean padding."""
    side = context_size(view.box[2], view.box[3], cfg.context)
    return crop_resize(view.image, box_center(view.box), side, cfg.exemplar_size, pad_value=view.pad)


def search_side(view: View, cfg: TrainConfig, scale: float = 1.0) -> float:
    """Side in image pixels of the search window for ``view``'s box at ``scale``."""
    return context_size(view.box[2], view.box[3], cfg.context) * cfg.instance_size / cfg.exemplar_size * scale


def crop_search(
    view: View, cfg: TrainConfig, offset: tuple[float, float] = (0.0, 0.0), scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search crop whose target centre lies ``offset`` crop pixels from the crop centre.

    Returns ``(crop, box, center)`` with the target's xywh box and centre in crop pixels.
    """
    side = search_side(view, cfg, scale)
    k = cfg.instance_size / side  # crop pixels per image pixel
    cx, cy = box_center(view.box)
    wx, wy = cx - offset[0] / k, cy - offset[1] / k
    crop = crop_resize(view.image, (wx, wy), side, cfg.instance_size, pad_value=view.pad)
    half = cfg.instance_size / 2.0
    x, y, w, h = view.box
    box = np.array([(x - wx) * k + half, (y - wy) * k + half, w * k, h * k])
    center = np.array([half + offset[0], half + offset[1]])
    return crop, box, center


def search_reach(cfg: TrainConfig) -> float:
    """Farthest reach of any search window from its target centre, in context sizes (half-extent)."""
    scale = 1.0 + cfg.scale_jitter
    side = cfg.instance_size / cfg.exemplar_size * scale
    return side / 2.0 + cfg.max_offset / cfg.instance_size * side


class PairSampler:
    """Draws :class:`PairSample` s from weighted sources under a :class:`TrainConfig`.

    ``forbidden`` holds identifiers (RoadScene validation stems) that no
    source may contain: building a sampler over validation images fails.
    """

    def __init__(
        self,
        sources: Sequence[tuple[PairSource, float]],
        cfg: TrainConfig,
        forbidden: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        sources = [(s, float(w)) for s, w in sources if w > 0]
        if not sources:
            raise ConfigError("training data: no source with a positive weight (check synthetic_fraction "
                              "and the RoadScene folder)")
        for source, _ in sources:
            leaked = sorted(source.names & set(forbidden))
            if leaked:
                raise ConfigError(f"training data: {len(leaked)} validation stem(s) in the training pairs, "
                                  f"e.g. '{leaked[0]}'; never train on the validation list")
        self.sources = [s for s, _ in sources]
        weights = np.array([w for _, w in sources])
        self.source_p = weights / weights.sum()
        mix = np.array(cfg.direction_weights)
        self.direction_p = mix / mix.sum()
        self.cfg = cfg
        self.photo = PhotometricParams.from_config(cfg)

    @property
    def names(self) -> frozenset[str]:
        """All image identifiers the sampler can draw from."""
        return frozenset().union(*(s.names for s in self.sources))

    def sample(self, rng: np.random.Generator, augment: bool = True) -> PairSample:
        """A pair of a random direction (``mix_*`` weights), maybe a hard negative, augmented."""
        t_mod, s_mod = DIRECTIONS[int(rng.choice(len(DIRECTIONS), p=self.direction_p))].split(">")
        return self.sample_pair(rng, t_mod, s_mod, augment=augment, negatives=True)

    def sample_pair(
        self, rng: np.random.Generator, t_mod: str, s_mod: str, augment: bool = True, negatives: bool = True
    ) -> PairSample:
        """A pair with the template in ``t_mod`` and the search in ``s_mod``."""
        cfg = self.cfg
        source = self.sources[int(rng.choice(len(self.sources), p=self.source_p))]
        t_view, s_view = source.draw_pair(rng, t_mod, s_mod)
        jitter = math.log1p(cfg.scale_jitter)
        scale = math.exp(rng.uniform(-jitter, jitter))
        offset = (rng.uniform(-cfg.max_offset, cfg.max_offset), rng.uniform(-cfg.max_offset, cfg.max_offset))
        negative = negatives and bool(rng.random() < cfg.negative_fraction)
        if negative:
            # The square around the target centre that a shifted search window can cover.
            reach = search_side(s_view, cfg, scale) * (1.0 + 2.0 * cfg.max_offset / cfg.instance_size)
            t_view = source.draw_distractor(rng, t_mod, s_view, reach)
        template = crop_template(t_view, cfg)
        search, box, center = crop_search(s_view, cfg, offset, scale)
        if augment:
            if rng.random() < cfg.ir_invert_prob:  # one camera, one polarity: every IR crop of the pair
                template = invert(template) if t_mod == "infrared" else template
                search = invert(search) if s_mod == "infrared" else search
            template = photometric(template, rng, self.photo)
            search = photometric(search, rng, self.photo)
            if rng.random() < cfg.geom_prob:
                search, box, center = geometric(search, box, center, rng, cfg, mean_pad(search))
        return PairSample(t_mod, s_mod, template, search, box, center, negative,
                          f"{t_view.name}>{s_view.name}")

    def batch(self, rng: np.random.Generator, size: int, augment: bool = True) -> list[PairSample]:
        return [self.sample(rng, augment) for _ in range(size)]
