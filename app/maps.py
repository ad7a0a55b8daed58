"""Turning a TrackResult's attention and feature tensors into 2-D images (NumPy only, no Qt).

Keys follow the tracker: ``"<modality>/<name>"``. Attention arrays are
``(S, q1, q2, k1, k2)`` (heads averaged by the model) or ``(S, heads, q1, q2,
k1, k2)``: query cells attend over key cells. Feature arrays are ``(S, C, H,
W)`` (``S`` = 1 for the template). Names tell the sides apart
(``template_to_search``, ``search_to_template``, ``search_self``,
``template_self``); other names are matched by size against the score map.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def normalise(a: np.ndarray) -> np.ndarray:
    """Min-max scale to float32 ``[0, 1]``; a constant or non-finite map gives zeros."""
    a = np.asarray(a, dtype=np.float32)
    finite = np.isfinite(a)
    if not finite.any():
        return np.zeros(a.shape, np.float32)
    lo, hi = float(a[finite].min()), float(a[finite].max())
    if hi - lo <= 1e-12:
        return np.zeros(a.shape, np.float32)
    return np.where(finite, (a - lo) / (hi - lo), 0.0).astype(np.float32)


def split_key(key: str) -> tuple[str, str]:
    """``"visible/layer0.x"`` -> ``("visible", "layer0.x")``; a key without modality gets ``""``."""
    modality, sep, name = key.partition("/")
    return (modality, name) if sep else ("", key)


def names_for(maps: dict[str, np.ndarray] | None, modality: str) -> list[str]:
    """The names present for ``modality`` (in the model's order)."""
    return [split_key(k)[1] for k in (maps or {}) if split_key(k)[0] in (modality, "")]


def modalities_of(maps: dict[str, np.ndarray] | None) -> list[str]:
    out: list[str] = []
    for k in maps or {}:
        m = split_key(k)[0]
        if m and m not in out:
            out.append(m)
    return out


def head_count(arr: np.ndarray) -> int | None:
    """Number of heads when the array keeps them separate (6-D), else ``None``."""
    return int(arr.shape[1]) if arr.ndim == 6 else None


@dataclass(frozen=True)
class AttentionImages:
    """What to draw: a map over the search crop and/or over the template crop, and what it means."""

    search: np.ndarray | None
    template: np.ndarray | None
    description: str


def _sides(name: str, q: tuple[int, int], k: tuple[int, int], search_hw: tuple[int, int] | None) -> tuple[str, str]:
    low = name.lower()
    if "search_to_template" in low:
        return "search", "template"
    if "template_to_search" in low:
        return "template", "search"
    if "search_self" in low:
        return "search", "search"
    if "template_self" in low:
        return "template", "template"
    if search_hw is not None and q == tuple(search_hw) and k != tuple(search_hw):
        return "search", "template"
    if search_hw is not None and k == tuple(search_hw) and q != tuple(search_hw):
        return "template", "search"
    if q == k:
        return ("search", "search") if q[0] * q[1] >= 64 else ("template", "template")
    return ("search", "template") if q[0] * q[1] > k[0] * k[1] else ("template", "search")


def _centre_mask(shape: tuple[int, int]) -> np.ndarray:
    """The central half of a template grid: where the target sits."""
    h, w = shape
    mask = np.zeros(shape, bool)
    mask[h // 4: h - h // 4 or h, w // 4: w - w // 4 or w] = True
    return mask


def attention_images(arr: np.ndarray, name: str, scale: int, head: int | None = None,
                     search_hw: tuple[int, int] | None = None) -> AttentionImages:
    """Reduce one attention array to the images drawn over the crops.

    Keys on the search side: the search map is the attention each search cell
    receives (mean over queries). Keys on the template side, queries on the
    search side: the search map is the share of each search cell's attention
    that goes to the template's centre (the target), the template map the
    attention each template cell receives.
    """
    a = np.asarray(arr, dtype=np.float32)
    if a.ndim not in (5, 6):
        raise ValueError(f"attention '{name}': expected (S, [heads,] q1, q2, k1, k2), got shape {a.shape}")
    a = a[int(np.clip(scale, 0, a.shape[0] - 1))]
    heads = ""
    if a.ndim == 5:
        if head is None:
            a, heads = a.mean(axis=0), "mean of heads"
        else:
            a, heads = a[int(np.clip(head, 0, a.shape[0] - 1))], f"head {head}"
    else:
        heads = "heads averaged by the model"
    q, k = (a.shape[0], a.shape[1]), (a.shape[2], a.shape[3])
    qside, kside = _sides(name, q, k, search_hw)
    received = a.mean(axis=(0, 1))  # (k1, k2): attention each key cell receives
    if kside == "search":
        who = "template" if qside == "template" else "search"
        return AttentionImages(normalise(received), None,
                               f"{name} ({heads}): attention each search cell receives from the {who} "
                               f"(mean over {who} positions)")
    if qside == "search":
        to_target = a[:, :, _centre_mask(k)].sum(axis=-1)  # (q1, q2)
        return AttentionImages(normalise(to_target), normalise(received),
                               f"{name} ({heads}): share of each search cell's attention on the template centre "
                               f"(the target); template: attention each part receives")
    return AttentionImages(None, normalise(received),
                           f"{name} ({heads}): attention each template cell receives (mean over template positions)")


def search_layer(features: dict[str, np.ndarray], modality: str) -> str | None:
    """The search-side feature map used for activations: ``search.high``, else the last ``search.*``, else ``fused``."""
    names = names_for(features, modality)
    if "search.high" in names:
        return "search.high"
    search = [n for n in names if n.startswith("search.")]
    if search:
        return search[-1]
    return "fused" if "fused" in names else None


def response_channel_weights(features: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Per-channel weights of ``(C, H, W)`` search features under a response map.

    A channel's weight is its mean activation under the (normalised) response
    minus its mean over the map: channels that fire where the tracker found
    the target count positively, channels that fire everywhere do not.
    """
    f = np.asarray(features, dtype=np.float32)
    h, w = f.shape[1:]
    r = normalise(cv2.resize(np.asarray(response, np.float32), (w, h), interpolation=cv2.INTER_LINEAR))
    total = float(r.sum())
    if total <= 1e-12:
        return np.zeros(f.shape[0], np.float32)
    return (f * r).sum(axis=(1, 2)) / total - f.mean(axis=(1, 2))


def weighted_activation(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``relu(sum_c weights[c] * features[c])`` normalised to [0, 1] (a class-activation map)."""
    f = np.asarray(features, dtype=np.float32)
    if f.shape[0] != len(weights):
        raise ValueError(f"{len(weights)} channel weights for features with {f.shape[0]} channels")
    return normalise(np.maximum(np.tensordot(np.asarray(weights, np.float32), f, axes=(0, 0)), 0.0))


def response_weighted_activation(features: np.ndarray, response: np.ndarray) -> np.ndarray:
    """Class-activation style ``(H, W)`` map in [0, 1] of ``(C, H, W)`` features under a response map."""
    return weighted_activation(features, response_channel_weights(features, response))


def feature_layers(features: dict[str, np.ndarray] | None, modality: str) -> list[str]:
    """Layer names with the ``template.``/``search.`` prefix removed, in order (e.g. low, high, fused)."""
    out: list[str] = []
    for name in names_for(features, modality):
        layer = name.split(".", 1)[1] if name.split(".", 1)[0] in ("template", "search") and "." in name else name
        if layer not in out:
            out.append(layer)
    return out


def feature_pair(features: dict[str, np.ndarray], modality: str, layer: str,
                 scale: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(template (C, h, w) or None, search (C, H, W) or None)`` of one layer."""
    def pick(key: str, index: int) -> np.ndarray | None:
        arr = features.get(key)
        if arr is None:
            return None
        arr = np.asarray(arr)
        if arr.ndim == 3:
            return arr
        return arr[int(np.clip(index, 0, arr.shape[0] - 1))]

    template = pick(f"{modality}/template.{layer}", 0)
    search = pick(f"{modality}/search.{layer}", scale)
    if search is None:
        search = pick(f"{modality}/{layer}", scale)
    return template, search


def feature_grid(arr: np.ndarray, count: int = 16, columns: int = 4, gap: int = 1) -> np.ndarray:
    """The first ``count`` channels of ``(C, H, W)``, each normalised, tiled ``columns`` wide.

    Gaps and missing tiles are NaN (drawn transparent).
    """
    a = np.asarray(arr, dtype=np.float32)
    n = min(count, a.shape[0])
    rows = (count + columns - 1) // columns
    h, w = a.shape[1:]
    out = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap), np.nan, np.float32)
    for c in range(n):
        r, col = divmod(c, columns)
        out[r * (h + gap): r * (h + gap) + h, col * (w + gap): col * (w + gap) + w] = normalise(a[c])
    return out
