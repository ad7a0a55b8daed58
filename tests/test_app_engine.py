"""The GUI's tracking engine without Qt: sources, selection, tracking, seeking, errors, video export."""
import time

import cv2
import numpy as np
import pytest

from app.engine import TrackingEngine, default_backend_factory
from app.live import LatestFrameReader, SourceEnded
from app.sources import SourceSpec
from core.errors import CheckpointError, InputError, SourceError
from streams.frames import FramePair
from tests.streams_fixtures import fake_factory, write_folder
from tests.test_app_doubles import attention_factory, write_small_sequence


@pytest.fixture
def sequence(tmp_path):
    return write_small_sequence(tmp_path / "seq", 30)


def test_open_select_track_seek(sequence):
    root, boxes = sequence
    engine = TrackingEngine(backend_factory=attention_factory())
    info, first = engine.open(SourceSpec("sequence", path=str(root)))
    assert info.indexed and info.length == 30 and info.has_groundtruth
    np.testing.assert_allclose(info.init_box, boxes[0])
    assert first.kind == "preview" and first.index == 0 and first.result is None
    init = engine.select(info.init_box, "visible")
    assert init.kind == "init" and set(init.template_crops) == {"visible", "infrared"}
    assert init.template_crops["visible"].shape == (127, 127, 3)
    updates = [engine.advance() for _ in range(20)]
    last = updates[-1]
    assert [u.index for u in updates] == list(range(1, 21))
    assert last.kind == "track" and last.result.state == "tracking"
    assert np.abs(last.box[:2] - boxes[20][:2]).max() < 6  # followed the moving square
    assert last.search_crops["infrared"].shape == (255, 255)
    assert set(last.result.attention) == {"visible/cross.search_to_template", "infrared/cross.search_to_template"}
    np.testing.assert_allclose(last.gt_visible, boxes[20])
    shown = engine.seek(5)
    assert shown.kind == "seek" and shown.index == 5 and shown.result is None
    assert engine.advance().index == 6  # playing continues from the sought frame
    engine.shutdown()


def test_realtime_skip_and_end_of_sequence(sequence):
    root, _ = sequence
    engine = TrackingEngine(backend_factory=attention_factory())
    engine.open(SourceSpec("sequence", path=str(root)))
    assert engine.advance(skip=4).index == 5
    engine.seek(28)
    assert engine.advance(skip=10).index == 29  # clamped to the last frame
    with pytest.raises(SourceEnded):
        engine.advance()
    engine.shutdown()


def test_mode_change_reinitialises_and_bad_mode_is_refused(sequence):
    root, _ = sequence
    engine = TrackingEngine(backend_factory=attention_factory())
    info, _ = engine.open(SourceSpec("sequence", path=str(root)))
    engine.select(info.init_box, "visible")
    engine.advance()
    update = engine.set_mode("cross")
    assert update.kind == "init" and engine.config.mode == "cross"
    assert engine.advance().result.modalities == ("infrared",)
    with pytest.raises(Exception, match="mode"):
        engine.set_mode("sideways")
    assert engine.config.mode == "cross"
    engine.shutdown()


def test_bad_source_keeps_the_open_one(sequence, tmp_path):
    root, _ = sequence
    engine = TrackingEngine(backend_factory=attention_factory())
    engine.open(SourceSpec("sequence", path=str(root)))
    missing = tmp_path / "nowhere"
    with pytest.raises(InputError, match=str(missing)):
        engine.open(SourceSpec("sequence", path=str(missing)))
    assert engine.source is not None and engine.advance().index == 1
    engine.shutdown()


def test_streams_of_different_lengths(tmp_path):
    write_folder(tmp_path / "vis", 6, "visible")
    write_folder(tmp_path / "ir", 4, "infrared")
    engine = TrackingEngine(backend_factory=attention_factory())
    spec = SourceSpec("pair", visible=str(tmp_path / "vis"), infrared=str(tmp_path / "ir"))
    with pytest.raises(InputError, match=r"6.*4|4.*6"):
        engine.open(spec)
    info, _ = engine.open(SourceSpec("pair", visible=spec.visible, infrared=spec.infrared,
                                     allow_length_mismatch=True))
    assert info.length == 4 and info.notices
    engine.shutdown()


def test_camera_disconnect_is_a_source_error():
    factory = fake_factory(frames=4, period=0.005)
    engine = TrackingEngine(backend_factory=attention_factory(), capture_factory=factory, live_timeout=3.0)
    info, first = engine.open(SourceSpec("cameras", visible="0"))
    assert info.live and not info.indexed and first.pair.infrared is None
    with pytest.raises(SourceError, match="camera 0"):
        for _ in range(10):
            engine.advance()
    engine.shutdown()
    assert all(cap.released for cap in factory.made)


def test_camera_that_cannot_open():
    engine = TrackingEngine(capture_factory=fake_factory(opened=False))
    with pytest.raises(SourceError, match="could not open"):
        engine.open(SourceSpec("cameras", visible="3"))


def test_reader_keeps_only_the_newest_frame():
    def fast():
        for i in range(200):
            time.sleep(0.001)
            yield FramePair(i, np.zeros((4, 4, 3), np.uint8), None)

    reader = LatestFrameReader(fast(), "fast")
    first = reader.take(2.0)
    time.sleep(0.1)
    later = reader.take(2.0)
    assert later.index > first.index + 5 and reader.dropped > 0
    while True:
        try:
            reader.take(2.0)
        except SourceEnded:
            break
    reader.close()


def test_bad_weights_keep_the_current_matcher(sequence, tmp_path):
    root, _ = sequence
    factory = attention_factory()
    engine = TrackingEngine(backend_factory=factory)
    info, _ = engine.open(SourceSpec("sequence", path=str(root)))
    engine.select(info.init_box, "visible")
    backend = engine.backend
    with pytest.raises(CheckpointError, match="weights.bad"):
        engine.set_weights(str(tmp_path / "weights.bad"))
    assert engine.backend is backend and engine.advance().kind == "track"
    info, update = engine.set_weights(str(tmp_path / "other.safetensors"))
    assert "other.safetensors" in info.name and update.kind == "init"
    engine.shutdown()


def test_corrupt_checkpoint_with_the_real_loader(tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="broken"):
        default_backend_factory(str(bad), False)


def test_annotated_video_of_tracked_frames(sequence, tmp_path):
    root, _ = sequence
    engine = TrackingEngine(backend_factory=attention_factory())
    info, _ = engine.open(SourceSpec("sequence", path=str(root)))
    video = tmp_path / "out" / "run.mp4"
    video.parent.mkdir()
    engine.start_video(str(video))
    engine.select(info.init_box, "visible")
    for _ in range(11):
        engine.advance()
    assert engine.stop_video() == 12
    cap = cv2.VideoCapture(str(video))
    ok, frame = cap.read()
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert ok and count == 12 and frame.shape == (240, 640, 3)
    engine.shutdown()


def test_init_reports_the_ir_offset_it_found(tmp_path):
    """Streams without calibration whose IR is displaced: the init update carries the offset for the window."""
    from tests.test_app_doubles import write_vot_sequence
    from tests.test_tracker_motion import shifted_ir
    from tests.tracker_doubles import moving_target_scene
    from tracker.classic_backend import CfogBackend

    frames, gt = moving_target_scene(n=6)
    frames, _ = shifted_ir(frames, gt, 14, -9)
    root = tmp_path / "shifted"
    write_vot_sequence(root, [(f, b, None) for f, b in zip(frames, gt)], fps=30, ext=".png")
    engine = TrackingEngine(backend_factory=lambda weights, classic: CfogBackend())
    info, _ = engine.open(SourceSpec("sequence", path=str(root)))
    init = engine.select(info.init_box, "visible")
    assert init.alignment is not None
    assert init.alignment["dx"] == pytest.approx(14, abs=3) and init.alignment["dy"] == pytest.approx(-9, abs=3)
    np.testing.assert_allclose(init.box_infrared[:2], gt[0][:2] + [14, -9], atol=3)
    engine.shutdown()
