"""Dataset sequence folders in every layout, generated in tmp_path, and their errors."""
import json

import numpy as np
import pytest

from core.errors import ConfigError, InputError
from streams.frames import FramePair
from streams.layouts import detect_layout
from streams.open import open_sequence
from tests.streams_fixtures import (IR_SIZE, VIS_SIZE, boxes_for, infrared_frame, ir_value, make_gtot, make_rgbt234,
                                    make_vot, vis_red, visible_frame, write_folder, write_lines)


def _check_frames(seq, n):
    assert len(seq) == n
    pairs = list(seq)
    assert [p.index for p in pairs] == list(range(n))
    for i, pair in enumerate(pairs):
        assert isinstance(pair, FramePair)
        assert pair.visible.shape == (VIS_SIZE[1], VIS_SIZE[0], 3) and pair.visible.dtype == np.uint8
        assert pair.infrared.shape == (IR_SIZE[1], IR_SIZE[0]) and pair.infrared.dtype == np.uint8
        assert abs(int(pair.visible[0, 0, 0]) - vis_red(i)) <= 3     # RGB order, frame i
        assert abs(int(pair.infrared[0, 0]) - ir_value(i)) <= 3
        assert pair.t_visible == pytest.approx(i / seq.fps) and pair.t_infrared == pytest.approx(i / seq.fps)
    np.testing.assert_array_equal(seq.frame(n - 1).visible, pairs[-1].visible)
    with pytest.raises(IndexError):
        seq.frame(n)


def test_vot_sequence_written_by_our_writer(tmp_path):
    ir_boxes = boxes_for(6) + [4, 0, 0, 0]
    boxes = make_vot(tmp_path / "seq", n=6, ir_boxes=ir_boxes, fps=25, meta={"events": {"3": "occlusion"}},
                     absent=[0])
    seq = open_sequence(tmp_path / "seq")
    assert (seq.name, seq.layout, seq.fps) == ("seq", "vot", 25.0)
    _check_frames(seq, 6)
    np.testing.assert_allclose(seq.groundtruth_visible, boxes)
    assert np.isnan(seq.groundtruth_visible[0]).all()
    np.testing.assert_allclose(seq.groundtruth_infrared, ir_boxes)  # its own boxes, present at frame 0 too
    assert seq.init_index == 1 and seq.init_box.tolist() == boxes[1].tolist()
    assert seq.meta == {"events": {"3": "occlusion"}}
    assert seq.calibration is None and seq.notices == []
    assert seq.sync_report.paired == 6


def test_vot_without_ir_groundtruth_uses_the_visible_boxes(tmp_path):
    boxes = make_vot(tmp_path / "s", n=3, ext=".jpg")
    seq = open_sequence(tmp_path / "s")
    assert not (tmp_path / "s" / "ir_groundtruth.txt").exists()
    np.testing.assert_allclose(seq.groundtruth_infrared, boxes)
    assert seq.groundtruth_infrared is not seq.groundtruth_visible
    assert seq.meta == {} and seq.init_index == 0


def test_vot_without_sequence_file_lists_the_folders_and_reads_polygons(tmp_path):
    root = tmp_path / "s"
    write_folder(root / "color", 3, "visible", "{i:08d}.png")
    write_folder(root / "ir", 3, "infrared", "{i:08d}.png")
    (root / "groundtruth.txt").write_text("1,2,11,2,11,7,1,7\n0,0,0,0\n1,1,3,3\n")
    seq = open_sequence(root)
    assert seq.layout == "vot" and seq.fps == 30.0
    np.testing.assert_array_equal(seq.groundtruth_visible[0], [1, 2, 10, 5])
    assert np.isnan(seq.groundtruth_visible[1]).all()


def test_vot_sequence_file_errors_name_file_and_line(tmp_path):
    make_vot(tmp_path / "s", n=2)
    seq_file = tmp_path / "s" / "sequence"
    seq_file.write_text("channels.color=color/%08d.png\nchannels.ir=ir/frames.png\n")
    with pytest.raises(InputError, match=r"sequence:2: 'ir/frames.png' is not a frame pattern"):
        open_sequence(tmp_path / "s")
    seq_file.write_text("channels.color=color/%05d.png\nchannels.ir=ir/%08d.png\n")
    with pytest.raises(InputError, match=r"sequence:1: pattern 'color/%05d.png' matches no file"):
        open_sequence(tmp_path / "s")
    seq_file.write_text("channels.color=color/%08d.png\nfps=fast\n")
    with pytest.raises(InputError, match=r"sequence:2: fps must be a positive number"):
        open_sequence(tmp_path / "s")
    seq_file.write_text("just words\n")
    with pytest.raises(InputError, match=r"sequence:1: expected key=value"):
        open_sequence(tmp_path / "s")


@pytest.mark.parametrize("lasher, sep", [(False, ","), (True, ","), (False, " "), (True, "\t")])
def test_rgbt234_and_lasher(tmp_path, lasher, sep):
    boxes = make_rgbt234(tmp_path / "car", n=5, lasher_names=lasher, sep=sep, absent=[2])
    seq = open_sequence(tmp_path / "car")
    assert seq.layout == "rgbt234" and seq.name == "car"
    _check_frames(seq, 5)
    np.testing.assert_allclose(seq.groundtruth_visible, boxes)
    np.testing.assert_allclose(seq.groundtruth_infrared, boxes + [1, 1, 0, 0])
    assert np.isnan(seq.groundtruth_infrared[2]).all()
    assert seq.init_box.tolist() == boxes[0].tolist()


def test_rgbt234_unpadded_names_sort_naturally(tmp_path):
    root = tmp_path / "s"
    write_folder(root / "visible", 12, "visible", "{i}v.png")
    write_folder(root / "infrared", 12, "infrared", "{i}i.png")
    seq = open_sequence(root)
    assert [p.name for p in seq.visible.paths[:3]] == ["1v.png", "2v.png", "3v.png"]
    assert abs(int(seq.frame(9).visible[0, 0, 0]) - vis_red(9)) <= 3  # 10v.png, not 1?v.png
    assert seq.groundtruth_visible is None and seq.groundtruth_infrared is None and seq.init_box is None


def test_rgbt234_with_only_init_txt(tmp_path):
    make_rgbt234(tmp_path / "s", n=3, gt=False, init=True)
    seq = open_sequence(tmp_path / "s")
    assert seq.groundtruth_visible is None
    assert seq.init_index == 0 and seq.init_box.tolist() == [5, 6, 7, 8]


def test_gtot_ltrb_inclusive(tmp_path):
    boxes = make_gtot(tmp_path / "BlackCar", n=4)
    seq = open_sequence(tmp_path / "BlackCar")
    assert seq.layout == "gtot"
    _check_frames(seq, 4)
    np.testing.assert_allclose(seq.groundtruth_visible, boxes)
    np.testing.assert_allclose(seq.groundtruth_infrared, boxes + [0, 1, 0, 0])
    assert seq.init_box.tolist() == boxes[0].tolist()


def test_fps_comes_from_argument_then_meta(tmp_path):
    make_rgbt234(tmp_path / "s", n=2)
    (tmp_path / "s" / "meta.json").write_text(json.dumps({"fps": 12}))
    assert open_sequence(tmp_path / "s").fps == 12.0
    assert open_sequence(tmp_path / "s", fps=50).fps == 50.0
    (tmp_path / "s" / "meta.json").write_text(json.dumps({"fps": "fast"}))
    with pytest.raises(InputError, match=r"meta\.json: 'fps' must be a positive number"):
        open_sequence(tmp_path / "s")
    with pytest.raises(InputError, match="frame rate must be a positive number"):
        open_sequence(tmp_path / "s", fps=0)


def test_bad_meta_json(tmp_path):
    make_rgbt234(tmp_path / "s", n=2)
    (tmp_path / "s" / "meta.json").write_text("{not json")
    with pytest.raises(InputError, match=r"meta\.json: not valid JSON"):
        open_sequence(tmp_path / "s")
    (tmp_path / "s" / "meta.json").write_text("[1, 2]")
    with pytest.raises(InputError, match=r"meta\.json: expected a JSON object"):
        open_sequence(tmp_path / "s")


def test_calibration_file_in_the_folder(tmp_path):
    make_gtot(tmp_path / "s", n=2)
    (tmp_path / "s" / "calibration.json").write_text(json.dumps({"ir_to_visible": [[2, 0, 0], [0, 2, 0], [0, 0, 1]]}))
    seq = open_sequence(tmp_path / "s")
    np.testing.assert_allclose(seq.calibration.to_visible([1, 1, 2, 2]), [2, 2, 4, 4])
    (tmp_path / "s" / "calibration.json").write_text(json.dumps({"ir_to_visible": [[1, 0], [0, 1]]}))
    with pytest.raises(ConfigError, match=r"calibration\.json: ir_to_visible: expected a 3x3 matrix"):
        open_sequence(tmp_path / "s")


def test_detection_failure_lists_what_was_looked_for(tmp_path):
    (tmp_path / "color").mkdir()
    (tmp_path / "other").mkdir()
    with pytest.raises(InputError) as err:
        detect_layout(tmp_path)
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path}: not a recognised sequence folder (found color/ but not ir/)")
    for needle in ("vot: color/ and ir/", "rgbt234: visible/ and infrared/", "gtot: v/ and i/",
                   "groundTruth_v.txt", "visible.txt", "sequence"):
        assert needle in msg


def test_missing_folder_file_and_empty_frame_folder(tmp_path):
    with pytest.raises(InputError, match="sequence folder not found"):
        open_sequence(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        open_sequence(tmp_path / "f.txt")
    root = tmp_path / "s"
    write_folder(root / "v", 2, "visible")
    (root / "i").mkdir()
    with pytest.raises(InputError, match=r"i: infrared frame folder holds no images"):
        open_sequence(root)


def test_frame_count_mismatch_between_streams(tmp_path):
    root = tmp_path / "s"
    make_rgbt234(root, n=5, gt=False)
    (root / "infrared" / "00005i.png").unlink()
    with pytest.raises(InputError, match=r"visible .*visible has 5 frames but infrared .*infrared has 4"):
        open_sequence(root)
    seq = open_sequence(root, allow_length_mismatch=True)
    assert len(seq) == 4 and "using the first 4 frames" in seq.notices[0]
    assert seq.sync_report.visible.dropped == 1


def test_groundtruth_count_mismatch(tmp_path):
    root = tmp_path / "s"
    boxes = make_rgbt234(root, n=5)
    write_lines(root / "visible.txt", boxes[:4])
    with pytest.raises(InputError, match=r"visible\.txt: has 4 boxes but the sequence has 5 frames"):
        open_sequence(root)
    write_lines(root / "visible.txt", np.concatenate([boxes, boxes[:1]]))
    with pytest.raises(InputError, match=r"visible\.txt: has 6 boxes but the sequence has 5 frames"):
        open_sequence(root)


def test_groundtruth_truncated_with_the_frames_when_allowed(tmp_path):
    root = tmp_path / "s"
    make_rgbt234(root, n=5)
    (root / "visible" / "00005v.png").unlink()
    seq = open_sequence(root, allow_length_mismatch=True)
    assert len(seq) == 4 and seq.groundtruth_visible.shape == (4, 4)
    assert any("first 4 of 5 boxes" in n for n in seq.notices)


@pytest.mark.parametrize("line, message", [("1,2,abc,4", "is not a list of numbers"),
                                            ("1,2,3", "expected 4 numbers"),
                                            ("1,2,-5,4", "zero or negative size"),
                                            ("1,2,0,0", "zero or negative size")])
def test_malformed_groundtruth_in_a_sequence(tmp_path, line, message):
    root = tmp_path / "s"
    make_rgbt234(root, n=3)
    (root / "infrared.txt").write_text(f"1,2,3,4\n1,2,3,4\n{line}\n")
    with pytest.raises(InputError, match=message) as err:
        open_sequence(root)
    assert str(err.value).startswith(f"{root / 'infrared.txt'}:3:")


def test_corrupt_frame_names_file_and_frame_index(tmp_path):
    root = tmp_path / "s"
    make_gtot(root, n=4)
    bad = root / "i" / "00003i.png"
    bad.write_bytes(b"\x89PNG garbage garbage")
    seq = open_sequence(root)  # frames are read lazily
    seq.frame(0)
    with pytest.raises(InputError, match=r"00003i\.png: frame 2: not a readable image"):
        seq.frame(2)
    with pytest.raises(InputError, match="frame 2"):
        list(seq)


def test_layout_is_detected_case_insensitively(tmp_path):
    root = tmp_path / "s"
    write_folder(root / "Visible", 2, "visible")
    write_folder(root / "Infrared", 2, "infrared")
    write_lines(root / "Visible.txt", boxes_for(2))
    seq = open_sequence(root)
    assert seq.layout == "rgbt234" and seq.groundtruth_visible.shape == (2, 4)


def test_sequence_is_a_context_manager_and_reads_exact_pixels(tmp_path):
    make_vot(tmp_path / "s", n=2)
    with open_sequence(tmp_path / "s") as seq:
        np.testing.assert_array_equal(seq.frame(1).visible, visible_frame(1))
        np.testing.assert_array_equal(seq.frame(1).infrared, infrared_frame(1))
        assert "DatasetSequence('s'" in repr(seq)
