"""Running a tracker over a whole source headless: results, video and a JSON summary as it goes."""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from core.errors import InputError
from streams.frames import FramePair
from streams.results import ResultsWriter
from tracker.annotate import VideoSink, side_by_side
from tracker.tracker import Tracker


def track_frames(frames: Iterable[FramePair], tracker: Tracker, init_box: Any, results_path: str | Path,
                 init_modality: str = "visible", init_index: int = 0, video_path: str | Path | None = None,
                 summary_path: str | Path | None = None, groundtruth: np.ndarray | None = None,
                 fps: float = 30.0, total: int | None = None, max_frames: int | None = None,
                 progress: bool = True, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Track ``frames`` from ``init_index`` on and write one result line per frame.

    Lines before ``init_index`` are ``0,0,0,0``; line ``init_index`` is the
    initial box (visible coordinates); every line is flushed as it is written
    and the summary JSON is rewritten at the end even if tracking stops early,
    so an interrupted run keeps what it computed.
    """
    from tqdm import tqdm

    stats: dict[str, Any] = {"frames": 0, "tracked": 0, "completed": False, **(meta or {})}
    states: Counter[str] = Counter()
    stage_ms: dict[str, list[float]] = {}
    update_s = 0.0
    wall0 = time.perf_counter()
    video = VideoSink(str(video_path), fps) if video_path else None
    limit = min(total, max_frames) if total is not None and max_frames is not None else (max_frames or total)
    bar = tqdm(total=limit, unit="frame", desc="tracking", disable=not progress, dynamic_ncols=True)
    try:
        with ResultsWriter(results_path) as writer:
            for i, frame in enumerate(frames):
                if max_frames is not None and i >= max_frames:
                    break
                stats["frames"] += 1
                bar.update(1)
                if i < init_index:
                    writer.write(None)
                    continue
                if i == init_index:
                    tracker.init(frame, init_box, init_modality)
                    box, state = tracker.state.box, "init"
                else:
                    t0 = time.perf_counter()
                    res = tracker.update(frame)
                    update_s += time.perf_counter() - t0
                    box, state = res.box, res.state
                    stats["tracked"] += 1
                    for k, v in res.timings.items():
                        stage_ms.setdefault(k, []).append(v)
                    bar.set_postfix(state=state, conf=f"{res.confidence:.2f}", refresh=False)
                states[state] += 1
                writer.write(box)
                if video is not None:
                    gt = groundtruth[i] if groundtruth is not None and i < len(groundtruth) else None
                    video.write(side_by_side(frame, box, tracker.mapping.box_to("infrared", box), state,
                                             gt_visible=gt, label=getattr(tracker.backend, "name", "")))
        if stats["frames"] <= init_index:
            raise InputError(f"the source has {stats['frames']} frames; cannot start at frame {init_index}")
        stats["completed"] = True
    finally:
        bar.close()
        if video is not None:
            video.close()
        wall = time.perf_counter() - wall0
        stats.update(
            states=dict(states),
            tracker_fps=stats["tracked"] / update_s if update_s > 0 else None,
            end_to_end_fps=stats["frames"] / wall if wall > 0 else None,
            stage_ms_mean={k: float(np.mean(v)) for k, v in stage_ms.items()},
            backend=getattr(tracker.backend, "name", type(tracker.backend).__name__),
            mode=tracker.config.mode,
            ir_offset=getattr(tracker, "alignment", None),
            results=str(results_path),
            video=str(video_path) if video_path else None,
        )
        if summary_path is not None:
            Path(summary_path).write_text(json.dumps(stats, indent=1, default=float), encoding="utf-8")
    return stats
