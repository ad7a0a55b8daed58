"""Image listing (natural order), decoding to RGB / grey, and corrupt files."""
import numpy as np
import pytest

from core.errors import InputError
from streams.imageio import (bgr_to_infrared, bgr_to_visible, list_images, natural_key, read_infrared,
                             read_visible)
from tests.streams_fixtures import infrared_frame, visible_frame, write_image


def test_natural_key_orders_numbers_by_value():
    names = ["img10.jpg", "img2.jpg", "IMG1.jpg", "img2b.jpg", "img02a.jpg"]
    assert sorted(names, key=natural_key) == ["IMG1.jpg", "img2.jpg", "img02a.jpg", "img2b.jpg", "img10.jpg"]
    # equal numbers written differently still sort the same way every time
    assert sorted(["a2.png", "a02.png"], key=natural_key) == sorted(["a02.png", "a2.png"], key=natural_key)


def test_list_images_is_natural_and_skips_other_files(tmp_path):
    for name in ["img10.png", "img2.png", "img1.png"]:
        write_image(tmp_path / name, infrared_frame(0))
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.png").write_bytes(b"")
    (tmp_path / "sub.png").mkdir()
    assert [p.name for p in list_images(tmp_path)] == ["img1.png", "img2.png", "img10.png"]


def test_missing_file_instead_of_folder_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match=r"nope: image folder not found"):
        list_images(tmp_path / "nope")
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(InputError, match="is not a folder"):
        list_images(tmp_path / "file.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no images")
    with pytest.raises(InputError, match=r"empty: image folder holds no images \(looked for .jpg"):
        list_images(empty)


def test_visible_is_rgb_and_infrared_is_grey(tmp_path):
    rgb = visible_frame(3)
    vis = read_visible(write_image(tmp_path / "v.png", rgb))
    assert vis.dtype == np.uint8 and vis.shape == rgb.shape
    np.testing.assert_array_equal(vis, rgb)  # red stays in channel 0
    colour_ir = np.repeat(infrared_frame(2)[..., None], 3, axis=2)
    ir = read_infrared(write_image(tmp_path / "i.png", colour_ir))
    assert ir.shape == colour_ir.shape[:2] and ir.dtype == np.uint8
    np.testing.assert_array_equal(ir, infrared_frame(2))
    grey_as_visible = read_visible(tmp_path / "i.png")
    assert grey_as_visible.shape == colour_ir.shape


def test_corrupt_and_empty_images_name_the_file_and_frame(tmp_path):
    bad = tmp_path / "00003.jpg"
    bad.write_bytes(b"this is not a jpeg" * 20)
    with pytest.raises(InputError, match=r"00003\.jpg: frame 2: not a readable image") as err:
        read_visible(bad, index=2)
    assert str(err.value).startswith(str(bad))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.png: frame 0: not a readable image"):
        read_infrared(empty, index=0)
    with pytest.raises(InputError, match="image file not found"):
        read_visible(tmp_path / "missing.png")


def test_raw_frame_conversions():
    bgr = np.zeros((2, 3, 3), np.uint8)
    bgr[..., 2] = 200  # red in OpenCV order
    assert bgr_to_visible(bgr)[0, 0].tolist() == [200, 0, 0]
    bgra = np.concatenate([bgr, np.full((2, 3, 1), 255, np.uint8)], axis=2)
    assert bgr_to_visible(bgra).shape == (2, 3, 3)
    assert bgr_to_visible(np.full((2, 3), 7, np.uint8))[0, 0].tolist() == [7, 7, 7]
    assert bgr_to_infrared(bgr).shape == (2, 3)
    assert bgr_to_infrared(bgra).shape == (2, 3)
    assert bgr_to_infrared(np.full((2, 3, 1), 9, np.uint8)).tolist() == [[9] * 3] * 2
    assert bgr_to_infrared(np.full((2, 3), 256 * 40, np.uint16)).tolist() == [[40] * 3] * 2
