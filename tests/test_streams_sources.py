"""Image-folder and video pair sources through open_pair, on generated fixtures."""
import json

import numpy as np
import pytest

from core.errors import ConfigError, InputError, SourceError
from streams.open import open_pair
from streams.readers import VideoStream
from streams.sources import FolderPairSource, VideoPairSource
from tests.streams_fixtures import (IR_SIZE, VIS_SIZE, frame_number_of, ir_value, make_video, vis_red,
                                    write_folder)


# ---- image folders -----------------------------------------------------------------------------

def test_two_folders_pair_by_index_in_natural_order(tmp_path):
    write_folder(tmp_path / "vis", 12, "visible", "img{i}.png")
    write_folder(tmp_path / "ir", 12, "infrared", "img{i}.png", ir_as_colour=True)
    with open_pair(tmp_path / "vis", tmp_path / "ir", fps=10) as src:
        assert isinstance(src, FolderPairSource) and src.layout == "folders"
        assert len(src) == src.length == 12 and src.fps == 10.0
        pairs = list(src)
    for i, pair in enumerate(pairs):  # img2 before img10: frame i is image i+1
        assert pair.visible[0, 0, 0] == vis_red(i) and pair.visible.shape == (VIS_SIZE[1], VIS_SIZE[0], 3)
        assert pair.infrared.ndim == 2 and pair.infrared[0, 0] == ir_value(i)  # 3-channel IR -> grey
        assert pair.t_visible == pytest.approx(i / 10) and pair.t_infrared == pytest.approx(i / 10)
    assert src.frame(9).index == 9 and src.sync_report.paired == 12


def test_folder_default_fps_and_bad_fps(tmp_path):
    write_folder(tmp_path / "vis", 2, "visible")
    write_folder(tmp_path / "ir", 2, "infrared")
    assert open_pair(tmp_path / "vis", tmp_path / "ir").fps == 30.0
    with pytest.raises(InputError, match="fps: frame rate must be a positive number"):
        open_pair(tmp_path / "vis", tmp_path / "ir", fps=-1)


def test_folder_count_mismatch_errors_or_truncates_with_a_notice(tmp_path):
    write_folder(tmp_path / "vis", 5, "visible")
    write_folder(tmp_path / "ir", 3, "infrared")
    with pytest.raises(InputError, match=r"vis has 5 frames but infrared .*ir has 3"):
        open_pair(tmp_path / "vis", tmp_path / "ir")
    src = open_pair(tmp_path / "vis", tmp_path / "ir", allow_length_mismatch=True)
    assert len(src) == 3 and len(list(src)) == 3
    assert src.notices == [f"visible {tmp_path / 'vis'} has 5 frames but infrared {tmp_path / 'ir'} has 3; "
                           "using the first 3 frames of each"]
    assert src.sync_report.visible.dropped == 2


def test_missing_and_empty_folders(tmp_path):
    write_folder(tmp_path / "vis", 2, "visible")
    with pytest.raises(InputError, match=r"ir: infrared input not found"):
        open_pair(tmp_path / "vis", tmp_path / "ir")
    (tmp_path / "ir").mkdir()
    with pytest.raises(InputError, match=r"ir: infrared image folder holds no images"):
        open_pair(tmp_path / "vis", tmp_path / "ir")


def test_corrupt_image_in_a_folder_names_file_and_frame(tmp_path):
    write_folder(tmp_path / "vis", 4, "visible", "{i:03d}.jpg")
    write_folder(tmp_path / "ir", 4, "infrared", "{i:03d}.jpg")
    (tmp_path / "vis" / "004.jpg").write_bytes(b"garbage bytes, not a JPEG" * 8)
    src = open_pair(tmp_path / "vis", tmp_path / "ir")
    it = iter(src)
    for _ in range(3):
        next(it)
    with pytest.raises(InputError, match=r"vis/004\.jpg: frame 3: not a readable image"):
        next(it)


def test_mixed_or_single_image_inputs_are_refused(tmp_path):
    write_folder(tmp_path / "vis", 2, "visible")
    video = make_video(tmp_path / "ir.avi", 2, 25, "infrared")
    with pytest.raises(InputError, match=r"vis is a folder but .*ir\.avi is a video"):
        open_pair(tmp_path / "vis", video)
    with pytest.raises(InputError, match="is a single image"):
        open_pair(tmp_path / "vis" / "1.png", video)


def test_calibration_is_attached_and_checked(tmp_path):
    write_folder(tmp_path / "vis", 2, "visible")
    write_folder(tmp_path / "ir", 2, "infrared")
    calib = tmp_path / "rig.json"
    calib.write_text(json.dumps({"visible_to_ir": [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 1]]}))
    src = open_pair(tmp_path / "vis", tmp_path / "ir", calibration=calib)
    np.testing.assert_allclose(src.calibration.to_infrared([10, 10, 20, 20]), [5, 5, 10, 10])
    calib.write_text("{oops")
    with pytest.raises(ConfigError, match="rig.json: not valid JSON"):
        open_pair(tmp_path / "vis", tmp_path / "ir", calibration=calib)


# ---- videos ------------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", [".avi", ".mp4"])
def test_two_videos_same_rate_pair_one_to_one(tmp_path, ext):
    vis = make_video(tmp_path / f"vis{ext}", 10, 25, "visible")
    ir = make_video(tmp_path / f"ir{ext}", 10, 25, "infrared")
    with open_pair(vis, ir) as src:
        assert isinstance(src, VideoPairSource) and src.fps == 25.0 and src.length == 10
        pairs = list(src)
    assert len(pairs) == 10
    for i, p in enumerate(pairs):
        assert p.visible.shape == (VIS_SIZE[1], VIS_SIZE[0], 3) and p.infrared.shape == (IR_SIZE[1], IR_SIZE[0])
        assert frame_number_of(p.visible, "visible", 10) == i and frame_number_of(p.infrared, "infrared", 10) == i
        assert abs(int(p.visible[..., 0].mean()) - vis_red(i)) <= 8  # red arrives in channel 0 (RGB)
        assert p.t_visible == pytest.approx(i * 0.04) and p.t_infrared == pytest.approx(i * 0.04)
    r = src.sync_report
    assert (r.ticks, r.paired, r.infrared.duplicated, r.infrared.dropped) == (10, 10, 0, 0)
    assert r.skew_max == pytest.approx(0.0, abs=1e-6)


def test_videos_at_25_and_30_fps_are_paired_by_timestamp(tmp_path):
    vis = make_video(tmp_path / "vis.avi", 60, 30, "visible")   # 2 s
    ir = make_video(tmp_path / "ir.avi", 50, 25, "infrared")    # 2 s
    src = open_pair(vis, ir)
    assert src.leader == "visible" and src.tolerance == pytest.approx(0.02) and src.length == 60
    pairs = list(src)
    assert len(pairs) == 60 and all(p.infrared is not None for p in pairs)
    r = src.sync_report
    assert (r.visible.used, r.infrared.used, r.infrared.duplicated, r.infrared.dropped) == (60, 50, 10, 0)
    assert r.skew_mean == pytest.approx(0.01, abs=1e-6) and r.skew_max == pytest.approx(0.02, abs=1e-6)
    for p in pairs:
        assert abs(p.t_visible - p.t_infrared) <= 0.02 + 1e-6
        j = frame_number_of(p.infrared, "infrared", 50)
        assert p.t_infrared == pytest.approx(j / 25)
    src_ir_leads = open_pair(vis, ir, leader="infrared")
    assert len(list(src_ir_leads)) == 50 and src_ir_leads.sync_report.visible.dropped == 10


def test_video_length_mismatch_errors_or_truncates_with_a_notice(tmp_path):
    vis = make_video(tmp_path / "vis.avi", 10, 25, "visible")
    ir = make_video(tmp_path / "ir.avi", 8, 25, "infrared")
    with pytest.raises(InputError, match=r"vis\.avi has 10 frames \(0\.40 s at 25 fps\) but infrared video .*ir\.avi "
                                         r"has 8 frames"):
        open_pair(vis, ir)
    src = open_pair(vis, ir, allow_length_mismatch=True)
    assert src.length == 8
    pairs = list(src)
    assert len(pairs) == 8 and all(p.infrared is not None for p in pairs)
    assert any("using the first 0.32 s of each" in n for n in src.notices)


def test_corrupt_empty_and_missing_videos(tmp_path):
    good = make_video(tmp_path / "ir.avi", 3, 25, "infrared")
    garbage = tmp_path / "vis.mp4"
    garbage.write_bytes(b"definitely not a video " * 50)
    with pytest.raises(SourceError, match=r"vis\.mp4: cannot open video"):
        open_pair(garbage, good)
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match=r"empty\.avi: (cannot open video|frame 0: no frame could be decoded)"):
        open_pair(empty, good)
    with pytest.raises(InputError, match=r"missing\.avi: visible input not found"):
        open_pair(tmp_path / "missing.avi", good)


class _NoFpsCapture:
    """Wraps a real capture but hides its frame rate and frame count, like some streams do."""

    def __init__(self, path):
        import cv2
        self._cap = cv2.VideoCapture(path)

    def __getattr__(self, name):
        return getattr(self._cap, name)

    def get(self, prop):
        import cv2
        if prop in (cv2.CAP_PROP_FPS, cv2.CAP_PROP_FRAME_COUNT, cv2.CAP_PROP_POS_MSEC):
            return 0.0
        return self._cap.get(prop)


def test_video_without_frame_rate_uses_the_fallback_and_index_timestamps(tmp_path):
    vis = make_video(tmp_path / "vis.avi", 4, 25, "visible")
    ir = make_video(tmp_path / "ir.avi", 4, 25, "infrared")
    src = open_pair(vis, ir, fps=10, capture_factory=_NoFpsCapture)
    assert src.fps == 10.0 and src.length is None
    assert any("has no frame rate; assuming 10 fps" in n for n in src.notices)
    assert any("lengths not checked" in n for n in src.notices)
    pairs = list(src)
    assert [p.t_visible for p in pairs] == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_video_stream_notices_an_early_end(tmp_path):
    path = make_video(tmp_path / "v.avi", 6, 25, "visible")

    class _ShortCapture(_NoFpsCapture):
        def get(self, prop):
            import cv2
            return 10.0 if prop == cv2.CAP_PROP_FRAME_COUNT else self._cap.get(prop)

    stream = VideoStream(path, "visible", capture_factory=_ShortCapture)
    assert len(list(stream)) == 6
    assert stream.notices == [f"{path}: frame 6: the video ended after 6 of 10 frames (truncated or corrupt)"]


@pytest.mark.realdata
def test_roadscene_folders_pair_up(roadscene):
    src = open_pair(roadscene / "visible", roadscene / "infrared")
    assert len(src) == 181 and src.notices == []
    assert [p.name for p in src.visible.paths] == [p.name for p in src.infrared.paths]
    for i in (0, 90, 180):
        pair = src.frame(i)
        assert pair.visible.ndim == 3 and pair.visible.shape[2] == 3 and pair.infrared.ndim == 2
        assert pair.visible.shape[:2] == pair.infrared.shape[:2]  # aligned pairs
