"""Cameras through open_cameras with fake captures: one or two cameras, and every way they fail."""
import time

import numpy as np
import pytest

from core.errors import SourceError
from streams.camera import CameraStream, parse_camera_spec
from streams.open import open_cameras
from tests.streams_fixtures import IR_SIZE, VIS_SIZE, fake_factory, ir_value, vis_red


def _take(source, n):
    out = []
    for pair in source:
        out.append(pair)
        if len(out) == n:
            break
    return out


def test_camera_specs():
    assert parse_camera_spec("0") == 0 and parse_camera_spec(" 2 ") == 2 and parse_camera_spec(1) == 1
    assert parse_camera_spec("rtsp://cam.local/stream") == "rtsp://cam.local/stream"
    with pytest.raises(SourceError, match="cannot be negative"):
        parse_camera_spec(-1)
    with pytest.raises(SourceError):
        parse_camera_spec("")


def test_single_camera_is_visible_by_default(tmp_path):
    factory = fake_factory(period=0.005)
    with open_cameras("0", capture_factory=factory) as src:
        assert src.live and src.length is None and src.name == "camera 0 (visible)" and src.tolerance is None
        pairs = _take(src, 5)
    assert factory.made[0].spec == 0 and factory.made[0].released
    assert [p.index for p in pairs] == list(range(5))
    for p in pairs:
        assert p.infrared is None and p.t_infrared is None
        assert p.visible.shape == (VIS_SIZE[1], VIS_SIZE[0], 3)
    # frames in order, converted from BGR, timestamps from the monotonic clock
    reds = [int(p.visible[0, 0, 0]) for p in pairs]
    assert reds == sorted(reds) and reds[0] in [vis_red(i) for i in range(5)]
    ts = [p.t_visible for p in pairs]
    assert ts == sorted(ts) and 0 <= ts[0] < 2.0
    assert src.sync_report is None


def test_single_thermal_camera_becomes_the_infrared_stream():
    factory = fake_factory(period=0.005)
    with open_cameras("http://thermal.local/video", thermal=True, capture_factory=factory) as src:
        pairs = _take(src, 3)
    assert factory.made[0].spec == "http://thermal.local/video"
    for p in pairs:
        assert p.visible is None and p.infrared.ndim == 2 and p.infrared.shape == (VIS_SIZE[1], VIS_SIZE[0])
        assert p.t_infrared is not None


def test_two_cameras_are_paired_by_capture_time():
    factory = fake_factory(per_spec={0: {"period": 0.02, "fps": 50.0},
                                     1: {"period": 0.02, "fps": 50.0, "grey": True}})
    with open_cameras(0, 1, capture_factory=factory, read_timeout=1.0) as src:
        pairs = _take(src, 8)
        report = src.sync_report
    assert src.tolerance == pytest.approx(0.01)  # half the follower's 50 fps period
    assert report.ticks == 8 and report.visible.used == 8
    for p in pairs:
        assert p.visible is not None and p.visible.shape == (VIS_SIZE[1], VIS_SIZE[0], 3)
        if p.infrared is not None:
            assert p.infrared.shape == (IR_SIZE[1], IR_SIZE[0])
            assert abs(p.t_visible - p.t_infrared) <= 0.01 + 1e-9
            assert int(p.infrared[0, 0]) in [ir_value(i) for i in range(40)]
    assert report.paired == sum(p.infrared is not None for p in pairs) >= 1
    assert all(cap.released for cap in factory.made)
    assert set(src.stale_dropped) == {"visible", "infrared"}


def test_camera_that_fails_to_open():
    with pytest.raises(SourceError, match=r"camera 3 \(visible\): could not open"):
        open_cameras("3", capture_factory=fake_factory(opened=False))

    def exploding(spec):
        raise RuntimeError("backend exploded")

    with pytest.raises(SourceError, match=r"camera 0 \(visible\): could not open \(RuntimeError: backend exploded\)"):
        open_cameras(0, capture_factory=exploding)


def test_second_camera_failing_to_open_releases_the_first():
    factory = fake_factory(per_spec={1: {"opened": False}})
    with pytest.raises(SourceError, match=r"camera 1 \(infrared\): could not open"):
        open_cameras(0, 1, capture_factory=factory)
    assert factory.made[0].released


def test_camera_that_disconnects_mid_stream_raises_naming_camera_and_frame():
    factory = fake_factory(frames=4, period=0.002)
    src = open_cameras(0, capture_factory=factory, read_timeout=2.0, max_failures=3)
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"camera 0 \(visible\): frame 4: read failed 3 times in a row") as err:
        for _ in src:
            pass
    assert time.monotonic() - start < 2.0
    assert "disconnected" in str(err.value)
    src.close()


def test_camera_whose_read_blocks_forever_times_out():
    factory = fake_factory(block_after=2, period=0.002)
    src = open_cameras(0, capture_factory=factory, read_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(SourceError, match=r"camera 0 \(visible\): frame 2: no frame within 0.3 s"):
        for _ in src:
            pass
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 1.5
    t0 = time.monotonic()
    src.close()  # the blocked thread cannot be joined; close still returns promptly
    assert time.monotonic() - t0 < 1.5
    assert not factory.made[0].released  # not released under a thread stuck inside read()


def test_camera_that_blocks_from_the_first_frame():
    src = open_cameras(0, capture_factory=fake_factory(block_after=0), read_timeout=0.2)
    with pytest.raises(SourceError, match="frame 0: no frame within 0.2 s"):
        next(iter(src))
    src.close()


def test_camera_whose_read_raises():
    src = open_cameras(0, capture_factory=fake_factory(raise_after=1, period=0.002), read_timeout=1.0)
    with pytest.raises(SourceError, match=r"frame 1: read raised RuntimeError: device unplugged"):
        list(src)
    src.close()


def test_infrared_camera_disconnecting_stops_a_pair():
    factory = fake_factory(per_spec={0: {"period": 0.01}, 1: {"period": 0.01, "frames": 3}})
    src = open_cameras(0, 1, capture_factory=factory, read_timeout=1.0, max_failures=2)
    with pytest.raises(SourceError, match=r"camera 1 \(infrared\): frame 3: read failed"):
        list(src)
    src.close()


def test_argument_errors():
    with pytest.raises(SourceError, match="give at least one camera"):
        open_cameras(None)
    with pytest.raises(SourceError, match="thermal=True is for a single camera"):
        open_cameras(0, 1, thermal=True, capture_factory=fake_factory())


def test_slow_consumer_gets_recent_frames_and_stale_ones_are_counted():
    stream = CameraStream(0, "visible", fake_factory(period=0.002), read_timeout=1.0, buffer=1)
    try:
        first_t, first = stream.read()
        time.sleep(0.1)  # ~50 frames arrive meanwhile; only the newest is kept
        t, frame = stream.read()
        assert stream.stale_dropped > 5
        assert t - first_t > 0.05
        assert isinstance(frame, np.ndarray)
    finally:
        stream.close()
