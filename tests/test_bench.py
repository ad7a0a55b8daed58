"""The benchmark harness end to end on a tiny configuration, and the OpenCV peers."""
import json

import cv2
import numpy as np
import pytest

from evaluation.bench import BenchConfig, markdown, run_benchmark, write_report
from evaluation.opencv_trackers import OpenCVTracker
from tests.tracker_doubles import moving_target_scene


def test_opencv_contrib_trackers_are_available():
    """opencv-python (pulled in by e.g. vot-toolkit) would shadow the contrib build and drop these."""
    for name in ("TrackerCSRT", "TrackerKCF", "TrackerMIL"):
        assert hasattr(cv2, name), f"cv2.{name} missing: is opencv-python installed over opencv-contrib?"


@pytest.mark.parametrize("kind", ["csrt", "kcf", "mil"])
def test_opencv_peer_follows_target_on_ir(kind):
    frames, gt = moving_target_scene(n=10, velocity=(2.0, 0.5))
    trk = OpenCVTracker(kind, "infrared")
    trk.init(frames[0], gt[0])
    boxes = [trk.update(f) for f in frames[1:]]
    assert np.linalg.norm(boxes[-1][:2] - gt[-1][:2]) < 10


@pytest.mark.slow
def test_bench_tiny_run_writes_report(tmp_path):
    cfg = BenchConfig(out_dir=tmp_path / "bench", synthetic=("dropout",), synthetic_frames=12, real_count=0,
                      modes=("visible",), opencv=("kcf",), classic=True)
    report = run_benchmark(cfg, progress=False)
    assert set(report["trackers"]) == {"heterotrack-visible", "kcf-vis", "kcf-ir"}
    row = report["trackers"]["heterotrack-visible"]
    assert set(row["sequences"]) == {"synthetic/dropout", "synthetic/dropout-clean"}
    assert 0 <= row["dropout"]["SR"] <= 1 and row["fps"] > 0
    # The generator's frames are 640x512: the updates on them are counted apart (the speed target's size).
    assert list(row["fps_by_size"]) == ["640x512"] and row["fps_by_size"]["640x512"] > 0
    write_report(report, tmp_path / "b.json", tmp_path / "b.md", "heterotrack bench --test")
    assert json.loads((tmp_path / "b.json").read_text())["trackers"]
    assert "| heterotrack-visible |" in markdown(report) and "fps 640x512 |" in markdown(report)
    # The sequence cache is reused on a second run.
    stamp = (tmp_path / "bench" / "sequences" / "synthetic" / "dropout" / "groundtruth.txt").stat().st_mtime
    run_benchmark(cfg, progress=False)
    assert (tmp_path / "bench" / "sequences" / "synthetic" / "dropout" / "groundtruth.txt").stat().st_mtime == stamp


@pytest.mark.slow
def test_bench_dev_seeds_and_tracker_overrides(tmp_path):
    """--synthetic-seeds renders each preset per seed (a dev set); --set reaches our modes' TrackerConfig."""
    cfg = BenchConfig(out_dir=tmp_path / "bench", synthetic=("night",), synthetic_frames=8, real_count=0,
                      modes=("fused",), opencv=(), classic=True, synthetic_seeds=(7, 8),
                      tracker=(("window_influence", 0.2), ("velocity_lr", 0.0)))
    report = run_benchmark(cfg, progress=False)
    assert set(report["trackers"]["heterotrack-fused"]["sequences"]) == {"synthetic/night-s7", "synthetic/night-s8"}
    assert report["tracker_config"]["window_influence"] == 0.2 and report["tracker_config"]["velocity_lr"] == 0.0
    frames = [sorted((tmp_path / "bench" / "sequences" / "synthetic" / n / "color").iterdir())[3].read_bytes()
              for n in ("night-s7", "night-s8")]
    assert frames[0] != frames[1]  # different seeds, different scenes
    write_report(report, tmp_path / "b.json", tmp_path / "b.md", "heterotrack bench --test")
    assert "window_influence=0.2, velocity_lr=0.0" in (tmp_path / "b.md").read_text()


def test_bench_refuses_an_unknown_tracker_key(tmp_path):
    from core.errors import ConfigError
    from evaluation.bench import build_trackers

    with pytest.raises(ConfigError, match="window_influnce"):
        build_trackers(BenchConfig(out_dir=tmp_path, classic=True, opencv=(), tracker=(("window_influnce", 0.2),)))
