"""Fitting the tracker's NCC→logit maps for trained descriptor weights, on *training* pairs.

The tracker turns the dense NCC peak into a logit, ``gain * NCC + bias``, and
its confidence into ``sigmoid(logit)``. The right map depends on the
descriptor (a refined descriptor correlates differently from CFOG), so after
training the descriptor backend is run exactly as the tracking loop runs it
(``eval-match --method model-tracker``) on queries from the training list,
and a logistic fit of "IoU >= 0.5" on the peak logit rescales the map, one
for cross-modal and one for same-modality matching. The result goes into the
weights' JSON as ``extra.tracker_logits``; validation pairs are never used.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from evaluation.confidence import confidence_fit
from evaluation.metrics import prediction_ious
from evaluation.queries import PairStore, Query, make_queries
from models.checkpoint import checkpoint_paths
from tracker.classic_backend import CROSS_MODALITY, SAME_MODALITY


def _fit(backend, queries: list[Query], store: PairStore, progress: bool) -> tuple[float, float] | None:
    from tqdm import tqdm

    from evaluation.backend_matcher import BackendMatcher

    matcher = BackendMatcher(backend, "model-tracker")
    scores, ious = [], []
    for q in tqdm(queries, desc="calibrate", unit="query", disable=not progress, leave=False):
        t_img, s_img = store.images(q)
        result = matcher.match(t_img, q.template_box, s_img, q.search_window)
        scores.append(result.score)
        ious.append(float(prediction_ious(np.array([result.box]), np.array([q.template_box]))[0]))
    fit = confidence_fit(np.asarray(scores), np.asarray(ious))
    return None if fit is None else (fit.a, fit.b)


def calibrate(weights: Path, roadscene: Path, train_stems: list[str], per_pair: int = 3, seed: int = 1,
              progress: bool = True) -> dict:
    """Fit and store ``extra.tracker_logits = {"same": [gain, bias], "cross": [gain, bias]}`` in ``weights``' JSON."""
    from tracker.factory import build_backend

    store = PairStore(roadscene)
    cross_q = make_queries(store, train_stems, per_pair, seed)
    logits = {}
    backend = build_backend(weights)
    backend.same, backend.cross = SAME_MODALITY, CROSS_MODALITY  # start from CFOG's maps: the fit rescales them
    for kind, start, homologous in (("cross", CROSS_MODALITY, None), ("same", SAME_MODALITY, "visible")):
        qstore = store if homologous is None else PairStore(roadscene, homologous=homologous)
        queries = cross_q if homologous is None else cross_q[::2]
        ab = _fit(backend, queries, qstore, progress)
        gain, bias = start
        if ab is not None:
            a, b = ab
            gain, bias = a * gain, a * bias + b
        logits[kind] = [round(gain, 4), round(bias, 4)]
    _, meta_path = checkpoint_paths(weights)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.setdefault("extra", {})["tracker_logits"] = logits
    meta["extra"]["tracker_logits_fit"] = {"queries": len(cross_q), "per_pair": per_pair, "seed": seed,
                                           "pairs": "train list"}
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(meta_path)
    return logits

