"""The learned matcher behind the :class:`models.classic.base.TemplateMatcher` protocol.

Uses the model contract of ``docs/ARCHITECTURE.md``: SiamFC crops (template
at the box centre, side ``context_size(w, h, 0.5)`` resized to 127; search at
the window centre, side ``context_size * 255 / 127`` resized to 255; mean
padding), ``encode_template`` then ``match``. The peak is taken over the score
cells whose centre falls inside the search window; the box is the box head's
box at the peak mapped back to the image, or, without a box head, the
template's size centred on the peak cell. Crop coordinates follow the
``core.geometry`` convention (pixel ``i`` covers ``[i, i + 1)``), so the crop
centre ``127.5`` is the window centre. The modality of each image follows the
image convention: ``H×W×3`` is visible, ``H×W`` is infrared.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from core.errors import CheckpointError
from core.geometry import context_size, crop_resize
from models.classic.base import Box, MatchResult

EXEMPLAR_SIZE = 127
INSTANCE_SIZE = 255
CONTEXT = 0.5
BOX_SIZES = ("head", "template")


def modality_of(image: np.ndarray) -> str:
    """``visible`` for ``H×W×3`` images, ``infrared`` for ``H×W``."""
    return "visible" if image.ndim == 3 else "infrared"


def to_tensor(crop: np.ndarray) -> torch.Tensor:
    """A ``(1, C, H, W)`` float32 tensor in [0, 1] from an ``H×W×3`` or ``H×W`` uint8 crop."""
    arr = crop.astype(np.float32) / 255.0
    arr = arr.transpose(2, 0, 1) if arr.ndim == 3 else arr[None]
    return torch.from_numpy(np.ascontiguousarray(arr))[None]


class LearnedMatcher:
    """Runs a ``Matcher`` module (``encode_template`` / ``match``) on one query at a time."""

    name = "model"

    def __init__(self, model: torch.nn.Module, device: str | torch.device = "cpu", box_size: str = "head"):
        """``box_size="head"``: the box head's box; ``"template"``: its centre with the template's size,
        the rule of the dense baselines (the query protocol's target has the template's size)."""
        if box_size not in BOX_SIZES:
            raise ValueError(f"box_size: '{box_size}' is not one of {', '.join(BOX_SIZES)}")
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.box_size = box_size

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str | torch.device = "cpu",
                        box_size: str = "head") -> "LearnedMatcher":
        """Load weights with ``models.checkpoint.load_matcher``; a missing file is a :class:`CheckpointError`."""
        path = Path(path)
        if not path.is_file():
            raise CheckpointError(
                f"{path}: model weights not found; train them with 'heterotrack train' or pass --weights FILE")
        from models.checkpoint import load_matcher

        model, _cfg, _meta = load_matcher(path)
        model = model.inference_copy()  # BatchNorm folded: same outputs, faster
        return cls(model, device, box_size)

    def match(self, template_image: np.ndarray, template_box: Box,
              search_image: np.ndarray, search_window: Box) -> MatchResult:
        """Predict the template's box inside ``search_window``."""
        t_crop, s_crop, centre, scale = siamfc_crops(template_image, template_box, search_image, search_window)
        with torch.inference_mode():
            z = self.model.encode_template(to_tensor(t_crop).to(self.device), modality_of(template_image))
            out = self.model.match(z, to_tensor(s_crop).to(self.device), modality_of(search_image))
        score = out.score[0, 0].float().cpu().numpy()
        boxes = None if out.boxes is None else out.boxes[0].float().cpu().numpy()
        origin, stride = float(out.origin), float(out.stride)
        box, (i, j), corner = peak_box(score, boxes, origin, stride, centre, scale, search_window, template_box)
        if self.box_size == "template":
            bx, by, bw, bh = box
            box = (bx + bw / 2 - template_box[2] / 2, by + bh / 2 - template_box[3] / 2,
                   float(template_box[2]), float(template_box[3]))
        logit = float(score[i, j])
        return MatchResult(
            box=box,
            score=1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0,
            response=score,
            origin=corner,
            stride=stride / scale,
        )

    def parameter_count(self) -> int:
        """Number of parameters of the model."""
        return sum(p.numel() for p in self.model.parameters())

    def flops_per_query(self, template_modality: str) -> int:
        """FLOPs of one template encoding plus one search (``torch.utils.flop_counter``)."""
        from torch.utils.flop_counter import FlopCounterMode

        search_modality = "infrared" if template_modality == "visible" else "visible"
        channels = {"visible": 3, "infrared": 1}
        t = torch.zeros(1, channels[template_modality], EXEMPLAR_SIZE, EXEMPLAR_SIZE, device=self.device)
        x = torch.zeros(1, channels[search_modality], INSTANCE_SIZE, INSTANCE_SIZE, device=self.device)
        counter = FlopCounterMode(display=False)
        with torch.inference_mode(), counter:
            self.model.match(self.model.encode_template(t, template_modality), x, search_modality)
        return int(counter.get_total_flops())


def siamfc_crops(template_image: np.ndarray, template_box: Box, search_image: np.ndarray, search_window: Box):
    """``(template crop, search crop, window centre, crop pixels per image pixel)`` of one query."""
    tx, ty, tw, th = template_box
    z_side = context_size(tw, th, CONTEXT)
    x_side = z_side * INSTANCE_SIZE / EXEMPLAR_SIZE
    centre = (search_window[0] + search_window[2] / 2, search_window[1] + search_window[3] / 2)
    t_crop = crop_resize(template_image, (tx + tw / 2, ty + th / 2), z_side, EXEMPLAR_SIZE)
    s_crop = crop_resize(search_image, centre, x_side, INSTANCE_SIZE)
    return t_crop, s_crop, centre, INSTANCE_SIZE / x_side


def peak_box(score: np.ndarray, boxes: np.ndarray | None, origin: float, stride: float,
             centre: tuple[float, float], scale: float, search_window: Box, template_box: Box):
    """The box at the best score cell inside ``search_window``, in image pixels.

    ``score`` ``(H, W)`` and ``boxes`` ``(4, H, W)`` (xyxy crop pixels, or
    ``None``: the template's size centred on the cell) are in the search crop
    around ``centre`` with ``scale`` crop pixels per image pixel. Returns
    ``(box, (i, j), image position of cell (0, 0))``.
    """
    wcx, wcy = centre
    half = INSTANCE_SIZE / 2
    # Image coordinates of the cell centres along x (columns) and y (rows).
    cx = wcx + (origin + stride * np.arange(score.shape[1]) - half) / scale
    cy = wcy + (origin + stride * np.arange(score.shape[0]) - half) / scale
    sx, sy, sw, sh = search_window
    inside = ((cy >= sy) & (cy < sy + sh))[:, None] & ((cx >= sx) & (cx < sx + sw))[None, :]
    masked = np.where(inside, score, -np.inf) if inside.any() else score
    i, j = np.unravel_index(int(np.argmax(masked)), masked.shape)
    if boxes is not None:
        x1, y1, x2, y2 = (float(v) for v in boxes[:, i, j])
        box = (wcx + (x1 - half) / scale, wcy + (y1 - half) / scale, (x2 - x1) / scale, (y2 - y1) / scale)
    else:
        tw, th = template_box[2], template_box[3]
        box = (float(cx[j]) - tw / 2, float(cy[i]) - th / 2, tw, th)
    return tuple(float(v) for v in box), (int(i), int(j)), (float(cx[0]), float(cy[0]))
