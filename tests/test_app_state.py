"""Plain-Python parts of the app: history, results export, session files, sources, map reductions, crops."""
import json

import numpy as np
import pytest

from app import maps as M
from app.crops import CropGeometry, search_crop, template_crop
from app.export import ResultsExporter
from app.history import TrackHistory
from app.model import AppModel
from app.session_file import Session, load_session, save_session
from app.sources import SourceSpec
from app.updates import FrameUpdate
from core.errors import ConfigError
from core.geometry import context_size
from streams.frames import FramePair
from streams.results import read_results
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.config import TrackerConfig
from tracker.result import TrackResult
from tracker.tracker import Tracker

PAIR = FramePair(0, np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8))


def track(index, box, confidence=0.8, weights=None, state="tracking"):
    result = TrackResult(index=index, box=np.asarray(box, float), box_infrared=np.asarray(box, float), score=1.0,
                         confidence=confidence, state=state, modalities=("visible", "infrared"),
                         weights=weights or {"visible": 0.4, "infrared": 0.6}, health={}, best_scale=1)
    return FrameUpdate("track", index, PAIR, result=result, box=np.asarray(box, float), tracker_ms=20.0)


def init(index, box):
    return FrameUpdate("init", index, PAIR, box=np.asarray(box, float))


def test_history_records_clears_and_trails():
    h = TrackHistory(capacity=4)
    h.record(init(2, [0, 0, 10, 10]))
    for i in range(3, 12):
        h.record(track(i, [i, 0, 10, 10]))
    assert h.last == 11 and h.count == 10 and not h.has(1) and h.state_at(2) == "init"
    x, conf = h.series("confidence")
    assert len(x) == 12 and np.isnan(conf[2]) and conf[5] == pytest.approx(0.8)
    assert h.series("infrared")[1][4] == pytest.approx(0.6) and h.series("fps")[1][4] == pytest.approx(50)
    np.testing.assert_allclose(h.trail(11, 3), [[14, 5], [15, 5], [16, 5]])
    revision = h.revision
    h.record(init(6, [1, 1, 5, 5]))
    assert h.last == 6 and not h.has(7) and h.revision > revision
    assert h.record(FrameUpdate("seek", 3, PAIR)) is False


def test_model_publishes_only_when_dirty():
    model = AppModel()
    seen = []
    model.changed.connect(seen.append)
    assert not model.publish()
    model.record(track(1, [1, 2, 3, 4]))
    model.record(track(2, [2, 2, 3, 4]))
    assert model.publish() and not model.publish()
    assert [u.index for u in seen] == [2] and model.frames_processed == 2
    assert model.tracker_fps == pytest.approx(50)
    box, state = model.display_box(FrameUpdate("seek", 1, PAIR))
    np.testing.assert_allclose(box, [1, 2, 3, 4]) and state == "tracking"


def test_results_export_appends_and_rewrites(tmp_path):
    h = TrackHistory()
    path = tmp_path / "res" / "out.txt"
    exporter = ResultsExporter(path)
    h.record(init(1, [10, 10, 5, 5]))
    h.record(track(2, [11, 10, 5, 5]))
    assert exporter.sync(h) == 3
    assert path.read_text().splitlines() == ["0,0,0,0", "10.00,10.00,5.00,5.00", "11.00,10.00,5.00,5.00"]
    h.record(track(3, [12, 10, 5, 5]))
    exporter.sync(h)
    assert len(read_results(path)) == 4
    h.record(track(2, [20, 20, 5, 5]))  # tracked again after seeking back
    exporter.sync(h)
    np.testing.assert_allclose(read_results(path)[2], [20, 20, 5, 5])
    h.record(init(1, [30, 30, 5, 5]))  # a new selection drops the later frames
    exporter.sync(h)
    exporter.close()
    assert path.read_text().splitlines() == ["0,0,0,0", "30.00,30.00,5.00,5.00"]


def test_session_round_trip_and_relative_paths(tmp_path):
    spec = SourceSpec("pair", visible="v.mp4", infrared="ir.mp4", calibration="rig.json")
    session = Session(spec, (1, 2, 30, 40), "infrared", 7, "cross", "w.safetensors", True, 2.0)
    path = save_session(session, tmp_path / "s.htsession.json")
    data = json.loads(path.read_text())
    assert data["format"] == "heterotrack-session" and data["calibration"] == "rig.json"
    loaded = load_session(path)
    assert loaded.source.visible == str(tmp_path / "v.mp4") and loaded.source.calibration == str(tmp_path / "rig.json")
    assert loaded.box == (1, 2, 30, 40) and loaded.box_modality == "infrared" and loaded.frame == 7
    assert (loaded.mode, loaded.weights, loaded.realtime, loaded.speed) == ("cross", str(tmp_path / "w.safetensors"),
                                                                            True, 2.0)


@pytest.mark.parametrize("change,match", [
    ({"colour": 1}, "unknown key 'colour'"),
    ({"mode": "sideways"}, "mode"),
    ({"box": [1, 2, 0, 4]}, "box"),
    ({"source": {"kind": "tape"}}, "source"),
    ({"source": {"kind": "sequence", "path": "x", "speed": 2}}, "unknown key 'speed'"),
])
def test_bad_session_files_name_the_file_and_key(tmp_path, change, match):
    data = Session(SourceSpec("demo")).to_json()
    data.update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=match) as info:
        load_session(path)
    assert str(path) in str(info.value)


def test_source_spec_checks_its_fields():
    with pytest.raises(ValueError, match="pair"):
        SourceSpec("pair", visible="a")
    assert SourceSpec("cameras", infrared="1", thermal=True).label() == "Camera 1 (thermal)"
    assert SourceSpec.from_dict({"kind": "sequence", "path": "/d/seq"}).label() == "Sequence seq"


def test_attention_reductions():
    a = np.full((2, 3, 5, 5, 4, 4), 1 / 16, np.float32)  # (S, heads, H, W, P, P), uniform
    a[1, 0, 2, 3] = 0.0
    a[1, 0, 2, 3, 1:3, 1:3] = 0.25  # search cell (2, 3) of head 0 looks only at the template centre
    img = M.attention_images(a, "cross.search_to_template", scale=1, head=0)
    assert np.unravel_index(img.search.argmax(), img.search.shape) == (2, 3) and img.template.shape == (4, 4)
    assert "head 0" in img.description
    assert M.attention_images(a, "cross.search_to_template", 1, None).search.max() == 1.0  # head mean, normalised
    t2s = np.zeros((1, 4, 4, 6, 6), np.float32)
    t2s[0, :, :, 4, 1] = 1.0  # every template cell attends to search cell (4, 1)
    img = M.attention_images(t2s, "layer0.template_to_search", 0)
    assert img.template is None and np.unravel_index(img.search.argmax(), (6, 6)) == (4, 1)
    assert M.head_count(a) == 3 and M.head_count(t2s) is None
    with pytest.raises(ValueError, match="expected"):
        M.attention_images(np.zeros((3, 3)), "x", 0)


def test_feature_grid_and_activation():
    f = np.zeros((20, 6, 8), np.float32)
    f[3, 2, 5] = 5.0  # channel 3 fires at (2, 5)
    f[7] = 1.0        # channel 7 fires everywhere
    grid = M.feature_grid(f, count=16, columns=4)
    assert grid.shape == (4 * 6 + 3, 4 * 8 + 3) and np.isnan(grid[6, 0])  # gap row
    assert grid[2, 8 + 1 + 8 + 1 + 8 + 1 + 5] == 1.0  # tile 3 (row 0, col 3) normalised peak
    response = np.zeros((3, 4), np.float32)
    response[1, 2] = 1.0
    cam = M.response_weighted_activation(f, response)
    assert np.unravel_index(cam.argmax(), cam.shape) == (2, 5)
    features = {"visible/template.high": f[None], "visible/search.high": f[None], "visible/fused": f[None]}
    assert M.feature_layers(features, "visible") == ["high", "fused"]
    assert M.search_layer(features, "visible") == "search.high"
    template, search = M.feature_pair(features, "visible", "fused", 0)
    assert template is None and search.shape == (20, 6, 8)


def test_display_crops_match_the_trackers():
    frames, boxes = moving_target_scene(n=3)
    config = TrackerConfig()
    tracker = Tracker(NccBackend(), config)
    tracker.init(frames[0], boxes[0])
    geometry = CropGeometry.of(tracker.state)
    for m in ("visible", "infrared"):
        mine = search_crop(frames[1].get(m), m, geometry, config, tracker.mapping, 2)
        side = context_size(*tracker.state.size, config.context) * config.instance_size / config.exemplar_size
        theirs = tracker._search_crops(frames[1].get(m), m, tuple(tracker.state.center),
                                       [side * config.scale_factors[2]])
        np.testing.assert_array_equal(mine, theirs[0])
    assert template_crop(frames[0].visible, "visible", geometry, config, tracker.mapping).shape == (127, 127, 3)
