"""A fixed held-out set of cross-modal pairs and the peak-box metrics the trainer logs.

The set is drawn once from a fixed seed over images the model never trains on
(the RoadScene validation list, or held-out synthetic scenes when training on
synthetic data only): visible>infrared and infrared>visible pairs with the
training offsets and scale jitter but no augmentation and no negatives. The
metric takes the box at the score map's peak cell (the box head's box there,
or a box of the true size centred on that cell without a box head) and reports
its mean IoU with the ground truth, the share with IoU >= 0.5, and the mean
centre error in crop pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.geometry import iou
from training.batches import DirectionBatch, collate, to_input
from training.sampler import PairSampler

VAL_DIRECTIONS = {"vis2ir": ("visible", "infrared"), "ir2vis": ("infrared", "visible")}


@dataclass(frozen=True, eq=False)
class ValSet:
    """Validation pairs per direction tag (``vis2ir``, ``ir2vis``) and what they were drawn from."""

    batches: dict[str, DirectionBatch]
    source: str


def build_val_set(sampler: PairSampler, n_per_direction: int, seed: int, source: str) -> ValSet:
    """Draw ``n_per_direction`` unaugmented positive pairs per direction with a fixed seed."""
    rng = np.random.default_rng(seed)
    batches = {}
    for tag, (t_mod, s_mod) in VAL_DIRECTIONS.items():
        samples = [sampler.sample_pair(rng, t_mod, s_mod, augment=False, negatives=False)
                   for _ in range(n_per_direction)]
        if samples:
            batches[tag] = collate(samples)[0]
    return ValSet(batches, source)


def peak_boxes(score: torch.Tensor, boxes: torch.Tensor | None, origin: float, stride: float,
               sizes: torch.Tensor) -> np.ndarray:
    """xywh box at the peak cell of each ``(B, 1, H, W)`` score map.

    ``sizes`` ``(B, 2)`` gives the box size used when the model has no box head.
    """
    b, _, h, w = score.shape
    flat = score.reshape(b, -1).argmax(dim=1)
    rows, cols = flat // w, flat % w
    if boxes is not None:
        xyxy = boxes[torch.arange(b), :, rows, cols].float().cpu().numpy()
        return np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)
    cx = origin + stride * cols.float().cpu().numpy()
    cy = origin + stride * rows.float().cpu().numpy()
    wh = sizes.float().cpu().numpy()
    return np.stack([cx - wh[:, 0] / 2, cy - wh[:, 1] / 2, wh[:, 0], wh[:, 1]], axis=1)


@torch.no_grad()
def evaluate(model: torch.nn.Module, val: ValSet, device: torch.device | str, batch_size: int) -> dict[str, float]:
    """``val_<tag>_miou``, ``val_<tag>_p50`` and ``val_<tag>_cle`` for each direction of ``val``."""
    was_training = model.training
    model.eval()
    metrics: dict[str, float] = {}
    try:
        for tag, batch in val.batches.items():
            ious, errors = [], []
            for start in range(0, len(batch), batch_size):
                sl = slice(start, start + batch_size)
                out = model(to_input(batch.template[sl], device), batch.template_modality,
                            to_input(batch.search[sl], device), batch.search_modality)
                gt_xyxy = batch.box_xyxy[sl].numpy().astype(np.float64)
                gt = np.concatenate([gt_xyxy[:, :2], gt_xyxy[:, 2:] - gt_xyxy[:, :2]], axis=1)
                pred = peak_boxes(out.score, out.boxes, float(out.origin), float(out.stride),
                                  torch.from_numpy(gt[:, 2:]))
                ious.append(iou(pred, gt))
                errors.append(np.linalg.norm((pred[:, :2] + pred[:, 2:] / 2) - (gt[:, :2] + gt[:, 2:] / 2), axis=1))
            values = np.nan_to_num(np.concatenate(ious), nan=0.0)
            metrics[f"val_{tag}_miou"] = float(values.mean())
            metrics[f"val_{tag}_p50"] = float((values >= 0.5).mean())
            metrics[f"val_{tag}_cle"] = float(np.concatenate(errors).mean())
    finally:
        model.train(was_training)
    return metrics
