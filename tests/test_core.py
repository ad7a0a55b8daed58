"""Geometry and config foundations."""
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import config_from_mapping, load_config
from core.errors import ConfigError, InputError
from core import geometry as g

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
positive = st.floats(min_value=1e-2, max_value=1e4, allow_nan=False)
boxes = st.tuples(finite, finite, positive, positive)


@given(boxes)
def test_box_conversions_round_trip(box):
    b = np.array([box])
    np.testing.assert_allclose(g.xyxy_to_xywh(g.xywh_to_xyxy(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(g.cxcywh_to_xywh(g.xywh_to_cxcywh(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(g.ltrb_inclusive_to_xywh(g.xywh_to_ltrb_inclusive(b)), b, rtol=1e-9, atol=1e-6)


@given(boxes, boxes)
def test_iou_is_symmetric_and_bounded(a, b):
    v = g.iou(a, b)[0]
    assert 0.0 <= v <= 1.0 + 1e-12
    assert v == pytest.approx(g.iou(b, a)[0])


@given(boxes)
def test_iou_with_itself_is_one(a):
    assert g.iou(a, a)[0] == pytest.approx(1.0)


@settings(max_examples=300)
@given(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 30), st.integers(1, 30)),
       st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 30), st.integers(1, 30)))
def test_iou_matches_pixel_masks(a, b):
    """Cross-check rectangle IoU against rasterised masks (integer boxes are exact)."""
    ma = np.zeros((100, 100), bool)
    mb = np.zeros((100, 100), bool)
    ma[a[1]:a[1] + a[3], a[0]:a[0] + a[2]] = True
    mb[b[1]:b[1] + b[3], b[0]:b[0] + b[2]] = True
    expected = (ma & mb).sum() / (ma | mb).sum()
    assert g.iou(a, b)[0] == pytest.approx(expected)


def test_iou_nan_rows_propagate():
    assert np.isnan(g.iou([np.nan] * 4, [0, 0, 1, 1])[0])


@pytest.mark.parametrize("box", [(0, 0, 0, 5), (1, 1, 5, -2), (0, 0, np.nan, 3)])
def test_validate_box_rejects_degenerate(box):
    with pytest.raises(InputError, match="--init"):
        g.validate_box(box, "--init")


def test_validate_box_outside_image():
    with pytest.raises(InputError, match="outside the 100x50 image"):
        g.validate_box((120, 10, 5, 5), "frame 1", image_size=(100, 50))


def test_parse_box_names_origin():
    assert g.parse_box("1, 2, 3, 4", "x") == (1, 2, 3, 4)
    with pytest.raises(InputError, match="groundtruth.txt:3"):
        g.parse_box("a,b,c,d", "groundtruth.txt:3")


def test_crop_resize_centre_and_padding():
    img = np.zeros((20, 20), np.uint8)
    img[9:11, 9:11] = 255  # a 2x2 blob centred at (10, 10)
    crop = g.crop_resize(img, (10, 10), 10, 10, pad_value=0, interpolation=0)
    assert crop.shape == (10, 10)
    assert crop[4:6, 4:6].min() == 255 and crop.sum() == 4 * 255
    # Far outside the image everything is padding with the mean colour.
    rgb = np.full((8, 8, 3), (10, 20, 30), np.uint8)
    out = g.crop_resize(rgb, (100, 100), 4, 6)
    assert out.shape == (6, 6, 3) and (out == (10, 20, 30)).all()


def test_map_box_identity_and_shift():
    h = np.array([[1, 0, 5], [0, 1, -2], [0, 0, 1]], float)
    np.testing.assert_allclose(g.map_box(h, (1, 2, 3, 4)), [[6, 0, 3, 4]])


@dataclasses.dataclass(frozen=True)
class _Cfg:
    alpha: float = 0.5
    sizes: tuple[int, ...] = (1, 2)
    name: str = "x"


def test_config_rejects_unknown_key_by_name():
    with pytest.raises(ConfigError, match="unknown key 'alpah'"):
        config_from_mapping(_Cfg, {"alpah": 1.0})


def test_config_coerces_and_type_checks(tmp_path):
    cfg = config_from_mapping(_Cfg, {"alpha": 1, "sizes": [3, 4]})
    assert cfg == _Cfg(alpha=1.0, sizes=(3, 4))
    with pytest.raises(ConfigError, match="name: expected str"):
        config_from_mapping(_Cfg, {"name": 3})
    path = tmp_path / "c.toml"
    path.write_text("[tracker]\nalpha = 0.25\n")
    assert load_config(_Cfg, path, section="tracker").alpha == 0.25
    with pytest.raises(ConfigError, match="c.toml"):
        load_config(_Cfg, path, section="nope")
