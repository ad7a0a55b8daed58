"""`register` recovers a known IR misalignment homography from matcher correspondences."""
import dataclasses

import cv2
import numpy as np
import pytest

from core.errors import InputError
from core.geometry import apply_homography
from main import main
from models.classic.cfog import CfogMatcher
from streams.calibration import load_calibration
from synth.scene import PRESETS, generate_scene, ir_homography
from tracker.registration import register_pair


@pytest.fixture(scope="module")
def misaligned_pair():
    cfg = dataclasses.replace(PRESETS["misaligned"], frames=1, width=480, height=384, lighting="day")
    item = next(iter(generate_scene(cfg)))
    return item.frame.visible, item.frame.infrared, ir_homography(cfg)


def test_recovers_known_homography(misaligned_pair):
    visible, infrared, vis_to_ir = misaligned_pair
    result = register_pair(visible, infrared, CfogMatcher())
    grid = np.array([[x, y] for x in (60, 240, 420) for y in (60, 190, 320)], float)
    truth = apply_homography(np.linalg.inv(vis_to_ir), grid)
    est = apply_homography(result.ir_to_visible, grid)
    assert result.inliers >= 8
    assert np.abs(est - truth).max() < 3.0, np.abs(est - truth).max()


def test_register_command_writes_calibration(misaligned_pair, tmp_path, capsys):
    visible, infrared, _ = misaligned_pair
    cv2.imwrite(str(tmp_path / "v.png"), cv2.cvtColor(visible, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "i.png"), infrared)
    out = tmp_path / "calib.json"
    assert main(["register", "--visible", str(tmp_path / "v.png"), "--infrared", str(tmp_path / "i.png"),
                 "--out", str(out)]) == 0
    assert load_calibration(out).ir_to_visible.shape == (3, 3)
    assert "inlier RMS error" in capsys.readouterr().out


def test_flat_images_give_a_clear_error():
    flat = np.full((200, 240), 90, np.uint8)
    with pytest.raises(InputError, match="could be matched"):
        register_pair(cv2.cvtColor(flat, cv2.COLOR_GRAY2RGB), flat, CfogMatcher())
