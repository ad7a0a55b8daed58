"""From pair samples to per-direction tensor batches, and the step-indexed batch stream.

The model takes one template modality and one search modality per call, so a
mixed batch is split into :class:`DirectionBatch` es (one per direction
present). The random stream is a pure function of ``(seed, rank, step)``:
batch ``k`` is the same whether the run started at 0 or resumed at ``k``, and
each process of a distributed run draws its own share.
"""
from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from training.config import DIRECTIONS
from training.sampler import PairSample, PairSampler


@dataclass(frozen=True, eq=False)
class DirectionBatch:
    """Pairs of one direction as tensors; images stay uint8 until they reach the device."""

    template_modality: str
    search_modality: str
    template: torch.Tensor  # (n, C, E, E) uint8
    search: torch.Tensor  # (n, C, I, I) uint8
    center: torch.Tensor  # (n, 2) float32, target centre in search-crop pixels
    box_xyxy: torch.Tensor  # (n, 4) float32, target box in search-crop pixels
    negative: torch.Tensor  # (n,) bool

    def __len__(self) -> int:
        return int(self.template.shape[0])


def images_to_tensor(images: Sequence[np.ndarray]) -> torch.Tensor:
    """Stack ``H×W`` or ``H×W×3`` uint8 images into ``(n, C, H, W)`` uint8."""
    arr = np.stack(images)
    if arr.ndim == 3:
        arr = arr[:, None]
    else:
        arr = arr.transpose(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(arr))


def collate(samples: Sequence[PairSample]) -> list[DirectionBatch]:
    """Group samples by direction (in :data:`DIRECTIONS` order) into tensor batches."""
    out = []
    for direction in DIRECTIONS:
        group = [s for s in samples if s.direction == direction]
        if not group:
            continue
        boxes = np.stack([s.box for s in group]).astype(np.float32)
        xyxy = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
        t_mod, s_mod = direction.split(">")
        out.append(DirectionBatch(
            t_mod, s_mod,
            images_to_tensor([s.template for s in group]),
            images_to_tensor([s.search for s in group]),
            torch.from_numpy(np.stack([s.center for s in group]).astype(np.float32)),
            torch.from_numpy(xyxy),
            torch.tensor([s.negative for s in group], dtype=torch.bool),
        ))
    return out


def to_input(images: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """uint8 ``(n, C, H, W)`` -> float32 in [0, 1] on ``device`` (the model contract's input)."""
    return images.to(device, non_blocking=True).float().div_(255.0)


def step_rng(seed: int, rank: int, step: int) -> np.random.Generator:
    """The data generator of one step of one process."""
    return np.random.default_rng([seed, rank, step])


class BatchStream(IterableDataset):
    """Yields ``(step, [DirectionBatch, ...])`` for ``step`` in ``[start, stop)``."""

    def __init__(self, sampler: PairSampler, batch_size: int, seed: int, rank: int, start: int, stop: int) -> None:
        super().__init__()
        self.sampler, self.batch_size = sampler, batch_size
        self.seed, self.rank, self.start, self.stop = seed, rank, start, stop

    def batch_at(self, step: int) -> list[DirectionBatch]:
        return collate(self.sampler.batch(step_rng(self.seed, self.rank, step), self.batch_size))

    def __iter__(self) -> Iterator[tuple[int, list[DirectionBatch]]]:
        info = get_worker_info()  # with N loader workers, worker w makes steps start+w, start+w+N, ...
        first, every = (self.start, 1) if info is None else (self.start + info.id, info.num_workers)
        for step in range(first, self.stop, every):
            yield step, self.batch_at(step)


def _worker_init(_: int) -> None:
    # Ctrl-C reaches the whole process group; the training process decides when to stop (after a step,
    # with a checkpoint), so a worker must not die under it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)


def iterate_batches(
    stream: BatchStream, workers: int, pin_memory: bool = False
) -> Iterator[tuple[int, list[DirectionBatch]]]:
    """Iterate ``stream`` in this process (``workers=0``) or through prefetching worker processes.

    Workers take turns by step and the loader returns their batches in turn,
    so the order (and every batch) is the same for any number of workers.
    """
    if workers == 0:
        return iter(stream)
    loader = DataLoader(stream, batch_size=None, num_workers=workers, prefetch_factor=4,
                        worker_init_fn=_worker_init, persistent_workers=False, pin_memory=pin_memory)
    return iter(loader)
