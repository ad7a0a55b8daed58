"""What the tracking loop needs from a matcher, and the adapter for the network.

The loop works on image crops (NumPy uint8) and score maps (NumPy float), so a
learned matcher and the hand-crafted fallback are interchangeable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True, eq=False)
class Response:
    """Score maps for S search crops of one modality.

    ``score``: ``(S, H, W)`` logits; the centre of cell ``(i, j)`` is the crop
    point ``(origin + stride*j, origin + stride*i)`` (continuous coordinates).
    ``boxes``: ``(S, 4, H, W)`` xyxy boxes in crop pixels, or ``None``.
    ``dense``: for a matcher that scores every pixel of its own (work) resolution, those ``(S, Hd, Wd)``
    logits before they were resampled onto the grid, cell ``(i, j)`` centred on the crop point
    ``dense_origin + dense_stride * (j, i)``; the loop refines its peak on them (:mod:`tracker.refine`).
    """

    score: np.ndarray
    origin: float
    stride: float
    boxes: np.ndarray | None = None
    attention: dict[str, np.ndarray] | None = None
    features: dict[str, np.ndarray] | None = None
    dense: np.ndarray | None = None
    dense_origin: tuple[float, float] = (0.0, 0.0)
    dense_stride: float = 1.0


class MatcherBackend(Protocol):
    """A template encoder and a search matcher over uint8 crops."""

    name: str
    has_box_head: bool
    has_attention: bool

    def encode(self, crop: np.ndarray, modality: str, target: tuple[float, float] | None = None) -> Any:
        """Template features of one ``exemplar×exemplar`` crop (RGB ``H×W×3`` or grey ``H×W``).

        ``target`` is the target's ``(w, h)`` in crop pixels, for matchers that cut it out.
        """

    def match(self, template: Any, crops: np.ndarray, modality: str, want: tuple[str, ...] = ()) -> Response:
        """Score maps of ``S`` search crops (``S×H×W×3`` or ``S×H×W``) of ``modality``."""


def _to_tensor(crops: np.ndarray, modality: str, torch: Any) -> Any:
    arr = np.ascontiguousarray(crops)
    if modality == "visible":
        if arr.ndim == 3:
            arr = arr[None]
        t = torch.from_numpy(arr).permute(0, 3, 1, 2)
    else:
        if arr.ndim == 2:
            arr = arr[None]
        t = torch.from_numpy(arr)[:, None]
    return t.float().div_(255.0)


class NetworkBackend:
    """Runs a :class:`models.matcher.Matcher` in eval mode under ``torch.inference_mode``."""

    def __init__(self, model: Any, device: str = "cpu", name: str = "network"):
        import torch

        self._torch = torch
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.name = name
        cfg = getattr(model, "config", None)
        self.has_box_head = bool(getattr(cfg, "box_head", True))
        self.has_attention = "attention" in str(getattr(cfg, "fusion", ""))

    def encode(self, crop: np.ndarray, modality: str, target: tuple[float, float] | None = None) -> Any:
        with self._torch.inference_mode():
            return self.model.encode_template(_to_tensor(crop, modality, self._torch).to(self.device), modality)

    def match(self, template: Any, crops: np.ndarray, modality: str, want: tuple[str, ...] = ()) -> Response:
        torch = self._torch
        with torch.inference_mode():
            out = self.model.match(template, _to_tensor(crops, modality, torch).to(self.device), modality, want=want)
        to_np = lambda t: t.detach().float().cpu().numpy()  # noqa: E731
        maps = lambda d: {k: to_np(v) for k, v in d.items()} if d else None  # noqa: E731
        return Response(
            score=to_np(out.score)[:, 0],
            origin=float(out.origin),
            stride=float(out.stride),
            boxes=None if out.boxes is None else to_np(out.boxes),
            attention=maps(out.attention),
            features=maps(out.features),
        )
