"""Class-balanced logistic loss on the score map, L1 + GIoU on the box head.

Losses are gathered as sums and counts (:class:`LossTerms`) so a batch split
into per-direction sub-batches gives exactly the loss of the whole batch:
positives together weigh one half and negatives the other half of the score
loss (all of it when the batch has no positive cell). Box losses average over
all positive cells of the batch; boxes are normalised by the crop size.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from training.labels import NEGATIVE, POSITIVE


@dataclass
class LossTerms:
    """Sums and counts of the loss parts over some cells; add them up, then :func:`combine`."""

    pos_sum: torch.Tensor | float = 0.0
    n_pos: int = 0
    neg_sum: torch.Tensor | float = 0.0
    n_neg: int = 0
    l1_sum: torch.Tensor | float = 0.0
    giou_sum: torch.Tensor | float = 0.0
    n_box: int = 0

    def __add__(self, other: "LossTerms") -> "LossTerms":
        return LossTerms(self.pos_sum + other.pos_sum, self.n_pos + other.n_pos, self.neg_sum + other.neg_sum,
                         self.n_neg + other.n_neg, self.l1_sum + other.l1_sum, self.giou_sum + other.giou_sum,
                         self.n_box + other.n_box)


def score_terms(score: torch.Tensor, labels: torch.Tensor) -> LossTerms:
    """Logistic loss sums over positive and negative cells (ignored cells drop out)."""
    loss = F.binary_cross_entropy_with_logits(score.float(), (labels == POSITIVE).float(), reduction="none")
    pos, neg = labels == POSITIVE, labels == NEGATIVE
    return LossTerms(pos_sum=loss[pos].sum(), n_pos=int(pos.sum()), neg_sum=loss[neg].sum(), n_neg=int(neg.sum()))


def giou(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Generalised IoU of paired xyxy boxes ``(N, 4)``; in [-1, 1], 1 for identical boxes.

    A predicted box with right < left (or bottom < top) counts as empty.
    """
    aw, ah = (a[:, 2] - a[:, 0]).clamp(min=0), (a[:, 3] - a[:, 1]).clamp(min=0)
    bw, bh = (b[:, 2] - b[:, 0]).clamp(min=0), (b[:, 3] - b[:, 1]).clamp(min=0)
    iw = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    ih = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp(min=0)
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    iou = inter / (union + eps)
    cw = torch.maximum(a[:, 2], b[:, 2]) - torch.minimum(a[:, 0], b[:, 0])
    ch = torch.maximum(a[:, 3], b[:, 3]) - torch.minimum(a[:, 1], b[:, 1])
    hull = (cw * ch).clamp(min=0)
    return iou - (hull - union) / (hull + eps)


def box_terms(boxes: torch.Tensor, target: torch.Tensor, labels: torch.Tensor, crop_size: float) -> LossTerms:
    """L1 (on boxes / crop_size, mean of the 4 coordinates) and 1 - GIoU sums at positive cells.

    ``boxes`` is the head's ``(B, 4, H, W)`` xyxy output, ``target`` the
    ``(B, 4)`` ground-truth xyxy boxes, both in crop pixels.
    """
    pos = labels[:, 0] == POSITIVE  # (B, H, W)
    n = int(pos.sum())
    if n == 0:
        zero = boxes.sum() * 0.0  # keeps the head in the graph
        return LossTerms(l1_sum=zero, giou_sum=zero)
    pred = boxes.float().permute(0, 2, 3, 1)[pos]  # (n, 4)
    b_index = torch.nonzero(pos, as_tuple=True)[0]
    tgt = target.float().to(pred.device)[b_index]
    l1 = (pred - tgt).abs().mean(dim=1) / crop_size
    return LossTerms(l1_sum=l1.sum(), giou_sum=(1.0 - giou(pred, tgt)).sum(), n_box=n)


@dataclass(frozen=True)
class LossWeights:
    cls: float = 1.0
    l1: float = 5.0
    giou: float = 2.0


def combine(terms: LossTerms, weights: LossWeights) -> dict[str, torch.Tensor]:
    """Normalise summed terms into ``{"loss", "cls", "l1", "giou"}`` (scalar tensors)."""
    if terms.n_pos > 0:
        cls = 0.5 * terms.pos_sum / terms.n_pos + 0.5 * terms.neg_sum / max(terms.n_neg, 1)
    else:
        cls = terms.neg_sum / max(terms.n_neg, 1)
    cls = torch.as_tensor(cls, dtype=torch.float32)
    l1 = torch.as_tensor(terms.l1_sum / max(terms.n_box, 1), dtype=torch.float32, device=cls.device)
    gi = torch.as_tensor(terms.giou_sum / max(terms.n_box, 1), dtype=torch.float32, device=cls.device)
    total = weights.cls * cls + weights.l1 * l1 + weights.giou * gi
    return {"loss": total, "cls": cls, "l1": l1, "giou": gi}


def balanced_logistic_loss(score: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """SiamFC's class-balanced logistic loss of one score map and its labels."""
    return combine(score_terms(score, labels), LossWeights(1.0, 0.0, 0.0))["cls"]
