"""Box-file parsing: separators, absent targets, GTOT ltrb, and every malformed-line error."""
import numpy as np
import pytest

from core.errors import InputError
from streams.groundtruth import first_valid, match_frame_count, parse_box_line, read_boxes, read_init_box


def _write(tmp_path, text, name="gt.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_separators_absent_rows_and_trailing_blank_lines(tmp_path):
    path = _write(tmp_path, "1,2,3,4\n5 6 7 8\n9\t10\t11\t12\n13, 14 ,15;16\n0,0,0,0\nnan,nan,nan,nan\n\n\n")
    boxes = read_boxes(path)
    assert boxes.shape == (6, 4) and boxes.dtype == np.float64
    np.testing.assert_array_equal(boxes[:4], [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    assert np.isnan(boxes[4]).all() and np.isnan(boxes[5]).all()


def test_byte_order_mark_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_bytes(b"\xef\xbb\xbf1,2,3,4\r\n5,6,7,8\r\n")
    np.testing.assert_array_equal(read_boxes(path), [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_gtot_ltrb_is_inclusive(tmp_path):
    path = _write(tmp_path, "10 20 19 29\n0 0 0 0\n5 5 5 5\n")
    boxes = read_boxes(path, box_format="ltrb")
    np.testing.assert_array_equal(boxes[0], [10, 20, 10, 10])
    assert np.isnan(boxes[1]).all()
    np.testing.assert_array_equal(boxes[2], [5, 5, 1, 1])  # a single pixel


def test_vot_polygon_becomes_its_bounding_box_only_when_allowed(tmp_path):
    path = _write(tmp_path, "1,2,11,2,11,7,1,7\n")
    np.testing.assert_array_equal(read_boxes(path, allow_polygon=True), [[1, 2, 10, 5]])
    with pytest.raises(InputError, match=r"gt\.txt:1: expected 4 numbers, got 8"):
        read_boxes(path)


@pytest.mark.parametrize("line, message", [
    ("1,2,x,4", "is not a list of numbers"),
    ("1,2,3", "expected 4 numbers, got 3"),
    ("1,2,3,4,5", "expected 4 numbers, got 5"),
    ("1,2,-3,4", "zero or negative size"),
    ("1,2,0,4", "zero or negative size"),
    ("0,0,0,5", "zero or negative size"),
    ("1,2,inf,4", "infinite"),
])
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = _write(tmp_path, f"1,2,3,4\n{line}\n5,6,7,8\n")
    with pytest.raises(InputError, match=message) as err:
        read_boxes(path)
    assert str(err.value).startswith(f"{path}:2:")


def test_ltrb_with_right_before_left_is_negative_size(tmp_path):
    path = _write(tmp_path, "10 10 5 20\n")
    with pytest.raises(InputError, match=r"gt\.txt:1: left,top,right,bottom '10 10 5 20' has zero or negative size"):
        read_boxes(path, box_format="ltrb")


def test_blank_line_inside_the_file_is_an_error(tmp_path):
    path = _write(tmp_path, "1,2,3,4\n\n5,6,7,8\n")
    with pytest.raises(InputError, match=r"gt\.txt:2: empty line"):
        read_boxes(path)


def test_missing_empty_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_boxes(tmp_path / "none.txt")
    with pytest.raises(InputError, match="is empty"):
        read_boxes(_write(tmp_path, "\n\n"))
    assert read_boxes(_write(tmp_path, ""), allow_empty=True).shape == (0, 4)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InputError, match="not a text file"):
        read_boxes(binary)


def test_frame_count_check_names_both_counts(tmp_path):
    boxes = np.ones((3, 4))
    with pytest.raises(InputError, match="has 3 boxes but the sequence has 5 frames"):
        match_frame_count(boxes, 5, "gt.txt")
    with pytest.raises(InputError, match="has 3 boxes but the sequence has 2 frames"):
        match_frame_count(boxes, 2, "gt.txt")
    with pytest.raises(InputError, match="has 3 boxes but the sequence has 5 frames"):
        match_frame_count(boxes, 5, "gt.txt", allow_extra=True)  # fewer lines is never tolerated
    cut, notices = match_frame_count(boxes, 2, "gt.txt", allow_extra=True)
    assert cut.shape == (2, 4) and "first 2 of 3" in notices[0]


def test_init_box_and_first_valid(tmp_path):
    np.testing.assert_array_equal(read_init_box(_write(tmp_path, "3\t4\t5\t6\n7,8,9,10\n", "init.txt")), [3, 4, 5, 6])
    with pytest.raises(InputError, match=r"init\.txt:1: the initial box marks the target as absent"):
        read_init_box(_write(tmp_path, "0,0,0,0\n", "init.txt"))
    boxes = np.array([[np.nan] * 4, [np.nan] * 4, [1, 2, 3, 4]])
    index, box = first_valid(boxes)
    assert index == 2 and box.tolist() == [1, 2, 3, 4]
    assert first_valid(np.full((2, 4), np.nan)) is None


def test_parse_box_line_rejects_unknown_format():
    with pytest.raises(ValueError):
        parse_box_line("1,2,3,4", "x", box_format="xyxy")
