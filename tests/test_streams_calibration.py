"""Calibration JSON: loading, mapping boxes both ways, saving, and every bad file."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ConfigError
from streams.calibration import Calibration, load_calibration

SCALE_SHIFT = [[2.0, 0.0, 10.0], [0.0, 1.5, -4.0], [0.0, 0.0, 1.0]]


def _write(tmp_path, data, name="calib.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_ir_to_visible_maps_boxes_both_ways(tmp_path):
    calib = load_calibration(_write(tmp_path, {"ir_to_visible": SCALE_SHIFT}))
    np.testing.assert_allclose(calib.to_visible([0, 0, 10, 10]), [10, -4, 20, 15])
    np.testing.assert_allclose(calib.to_infrared([10, -4, 20, 15]), [0, 0, 10, 10], atol=1e-12)
    many = calib.to_visible(np.array([[0, 0, 10, 10], [np.nan] * 4]))
    assert many.shape == (2, 4) and np.isnan(many[1]).all()
    assert np.isnan(calib.to_infrared([np.nan] * 4)).all()


def test_visible_to_ir_key_and_both_keys(tmp_path):
    inv = np.linalg.inv(SCALE_SHIFT).tolist()
    a = load_calibration(_write(tmp_path, {"visible_to_ir": inv}))
    np.testing.assert_allclose(a.ir_to_visible, SCALE_SHIFT, atol=1e-12)
    b = load_calibration(_write(tmp_path, {"ir_to_visible": SCALE_SHIFT, "visible_to_ir": inv}))
    np.testing.assert_allclose(b.visible_to_ir, inv, atol=1e-12)
    with pytest.raises(ConfigError, match="calib.json: visible_to_ir is not the inverse of ir_to_visible"):
        load_calibration(_write(tmp_path, {"ir_to_visible": SCALE_SHIFT, "visible_to_ir": SCALE_SHIFT}))


def test_save_and_load_round_trip(tmp_path):
    h = np.array([[1.1, 0.05, 3.0], [-0.02, 0.9, 7.0], [1e-4, 2e-4, 1.0]])
    path = Calibration(h).save(tmp_path / "out.json")
    assert json.loads(path.read_text()) == {"ir_to_visible": h.tolist()}
    np.testing.assert_allclose(load_calibration(path).ir_to_visible, h)
    assert Calibration.identity().to_visible([1, 2, 3, 4]).tolist() == [1, 2, 3, 4]


def test_matrix_is_normalised_and_read_only():
    calib = Calibration(np.array(SCALE_SHIFT) * 4)
    np.testing.assert_allclose(calib.ir_to_visible, SCALE_SHIFT)
    with pytest.raises(ValueError):
        calib.ir_to_visible[0, 0] = 5


@pytest.mark.parametrize("data, message", [
    ("{not json", r"calib\.json: not valid JSON"),
    ("[1, 2, 3]", r"calib\.json: expected a table of settings"),
    ({}, r"calib\.json: needs 'ir_to_visible' or 'visible_to_ir'"),
    ({"ir_to_visible": SCALE_SHIFT, "scale": 2}, r"calib\.json: unknown key 'scale'"),
    ({"ir_to_visible": [[1, 0, 0], [0, 1, 0]]},
     r"calib\.json: ir_to_visible: expected a 3x3 matrix, got shape \(2, 3\)"),
    ({"visible_to_ir": [[1, 0, 0], [0, 1, 0], [0, 0]]}, r"calib\.json: visible_to_ir: expected a 3x3 matrix"),
    ({"ir_to_visible": [["a", 0, 0], [0, 1, 0], [0, 0, 1]]}, r"calib\.json: ir_to_visible: expected a 3x3 matrix"),
    ({"ir_to_visible": [[1, 2, 0], [2, 4, 0], [0, 0, 1]]}, r"calib\.json: ir_to_visible: the matrix is singular"),
    ({"ir_to_visible": [[0, 0, 0], [0, 0, 0], [0, 0, 0]]}, r"calib\.json: ir_to_visible: the matrix is singular"),
    ('{"ir_to_visible": [[NaN, 0, 0], [0, 1, 0], [0, 0, 1]]}',
     r"calib\.json: ir_to_visible: the matrix holds a non-finite"),
])
def test_bad_calibration_files_name_file_and_field(tmp_path, data, message):
    with pytest.raises(ConfigError, match=message):
        load_calibration(_write(tmp_path, data))


def test_missing_calibration_file(tmp_path):
    with pytest.raises(ConfigError, match="calibration file not found"):
        load_calibration(tmp_path / "none.json")


@settings(max_examples=100, deadline=None)
@given(st.floats(0.2, 5), st.floats(0.2, 5), st.floats(-100, 100), st.floats(-100, 100),
       st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(1, 80), st.floats(1, 80)))
def test_axis_aligned_maps_round_trip_exactly(sx, sy, tx, ty, box):
    calib = Calibration(np.array([[sx, 0, tx], [0, sy, ty], [0, 0, 1.0]]))
    there = calib.to_visible(box)
    expected = [sx * box[0] + tx, sy * box[1] + ty, sx * box[2], sy * box[3]]
    np.testing.assert_allclose(there, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(calib.to_infrared(there), box, rtol=1e-9, atol=1e-7)
