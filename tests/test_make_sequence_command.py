"""``heterotrack make-sequence``: real-pair and synthetic sequences, help, and every bad input."""
import dataclasses
import json
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

import main
from streams.groundtruth import read_boxes
from streams.imageio import read_infrared, read_visible
from synth.realpairs import sequence_seed


def _pair(root: Path, stem: str, size=(200, 150), ir_size=None, seed=0):
    """Random rectangles on a flat background (structure in both images), written as JPEG."""
    rng = np.random.default_rng(seed)
    w, h = size
    iw, ih = ir_size or size
    vis = np.full((h, w, 3), 100, np.uint8)
    ir = np.full((ih, iw), 80, np.uint8)
    for _ in range(30):
        x0, y0, x1, y1 = rng.integers(0, w - 10), rng.integers(0, h - 10), rng.integers(8, 40), rng.integers(8, 40)
        vis[y0:y0 + y1, x0:x0 + x1] = rng.integers(0, 255, 3)
        ir[y0:y0 + y1, x0:x0 + x1] = rng.integers(0, 255)
    for sub in ("visible", "infrared"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(root / "visible" / f"{stem}.jpg"), vis)
    cv2.imwrite(str(root / "infrared" / f"{stem}.jpg"), ir)


@pytest.fixture
def pairs(tmp_path):
    root = tmp_path / "pairs"
    _pair(root, "a", seed=1)
    _pair(root, "b", seed=2)
    _pair(root, "mismatch", ir_size=(180, 150))
    _pair(root, "corrupt")
    (root / "infrared" / "corrupt.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return root


def cli(capsys, *argv):
    code = main.main(["make-sequence", *map(str, argv)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def test_help_explains_both_kinds_with_examples(capsys):
    texts = {}
    for kind in ("", "real", "synthetic"):
        with pytest.raises(SystemExit) as exit_info:
            main.main(["make-sequence", *([kind] if kind else []), "--help"])
        assert exit_info.value.code == 0
        texts[kind] = capsys.readouterr().out
        assert "examples:" in texts[kind] and "heterotrack make-sequence" in texts[kind]
    assert "VOT layout" in texts[""] and "--split" in texts[""] and "synthetic" in texts[""]
    assert "--box X,Y,W,H" in texts["real"] and "--pairs DIR" in texts["real"]
    assert "--preset NAME" in texts["synthetic"] and "--set KEY=VALUE" in texts["synthetic"]


def test_real_name_writes_a_readable_vot_folder(capsys, pairs, tmp_path):
    out = tmp_path / "seq"
    code, stdout, _ = cli(capsys, "real", "--pairs", pairs, "--name", "a", "--out", out, "--frames", 6,
                          "--seed", 4, "--quiet", "--set", "out_size=96,80", "--set", "zoom=0.2")
    assert code == 0 and str(out) in stdout and "6 frames" in stdout
    lines = (out / "sequence").read_text().splitlines()
    assert "channels.color=color/%08d.jpg" in lines and "channels.ir=ir/%08d.jpg" in lines
    boxes = read_boxes(out / "groundtruth.txt")
    assert boxes.shape == (6, 4) and not np.isnan(boxes[0]).any()
    for k in range(1, 7):
        assert read_visible(out / "color" / f"{k:08d}.jpg").shape == (80, 96, 3)
        assert read_infrared(out / "ir" / f"{k:08d}.jpg").shape == (80, 96)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["stem"] == "a" and meta["box_source"] == "picked" and meta["base_seed"] == 4
    assert meta["config"]["zoom"] == 0.2 and meta["config"]["seed"] == sequence_seed(4, "a", 0)
    assert len(meta["frames"]) == 6 and len(meta["frames"][0]["matrix"]) == 2


def test_real_with_box_uses_it(capsys, pairs, tmp_path):
    code, stdout, _ = cli(capsys, "real", "--pairs", pairs, "--name", "b", "--box", "60,50,30,24",
                          "--out", tmp_path / "s", "--frames", 3, "--quiet")
    assert code == 0 and "60,50,30,24 given" in stdout
    meta = json.loads((tmp_path / "s" / "meta.json").read_text())
    assert meta["box"] == [60, 50, 30, 24]
    first = meta["frames"][0]
    assert read_boxes(tmp_path / "s" / "groundtruth.txt")[0, 2] == pytest.approx(30 * first["scale"], abs=0.01)


def test_real_split_writes_one_folder_per_stem(capsys, pairs, tmp_path):
    split = tmp_path / "val.txt"
    split.write_text("# validation\na\n\nb  # second\n")
    out = tmp_path / "val"
    code, stdout, _ = cli(capsys, "real", "--pairs", pairs, "--split", split, "--out", out, "--frames", 3, "--quiet")
    assert code == 0 and "2 sequences" in stdout
    assert (out / "list.txt").read_text().split() == ["a", "b"]
    for stem in ("a", "b"):
        assert read_boxes(out / stem / "groundtruth.txt").shape == (3, 4)
    code, _, _ = cli(capsys, "real", "--pairs", pairs, "--split", split, "--out", tmp_path / "v2", "--frames", 3,
                     "--quiet", "--boxes", 2)
    assert code == 0 and (tmp_path / "v2/list.txt").read_text().split() == ["a_b1", "a_b2", "b_b1", "b_b2"]


def test_existing_output_needs_overwrite(capsys, pairs, tmp_path):
    args = ["real", "--pairs", pairs, "--name", "a", "--out", tmp_path / "s", "--quiet"]
    assert cli(capsys, *args, "--frames", 5)[0] == 0
    code, _, err = cli(capsys, *args, "--frames", 3)
    assert code == 2 and "not empty" in err and "--overwrite" in err
    assert cli(capsys, *args, "--frames", 3, "--overwrite")[0] == 0
    assert len(list((tmp_path / "s" / "color").iterdir())) == 3


@pytest.mark.parametrize("argv, message", [
    (["--pairs", "{tmp}/nowhere", "--name", "a"], "nowhere not found"),
    (["--pairs", "{tmp}", "--name", "a"], "has no 'visible/' folder"),
    (["--name", "zzz"], "no pair named 'zzz'"),
    (["--name", "mismatch"], "mismatch.jpg: infrared is 180x150 but visible"),
    (["--name", "corrupt"], "corrupt.jpg: not a readable image"),
    (["--name", "a", "--box", "10,10,0,20"], "--box: box 10,10,0,20 has zero or negative size"),
    (["--name", "a", "--box", "10,10,-5,20"], "--box: box 10,10,-5,20 has zero or negative size"),
    (["--name", "a", "--box", "10,10,20"], "--box: a box needs 4 numbers"),
    (["--name", "a", "--box", "ten,10,20,20"], "--box: 'ten,10,20,20' is not four numbers"),
    (["--name", "a", "--box", "500,10,20,20"], "lies outside the 200x150 image"),
    (["--name", "a", "--box", "192,10,20,20"], "lies mostly outside the 200x150 image"),
    (["--name", "a", "--boxes", "2"], "--boxes: only with --split"),
    (["--name", "a", "--frames", "0"], "--frames: must be at least 1"),
    (["--name", "a", "--seed", "-1"], "--seed: must be at least 0"),
    (["--name", "a", "--set", "zom=0.1"], "--set zom: unknown key for RealPairConfig"),
    (["--name", "a", "--set", "zoom=big"], "--set zoom: 'big' is not a valid float"),
    (["--name", "a", "--set", "zoom=5"], "zoom must lie in"),
    (["--name", "a", "--set", "zoom"], "expected KEY=VALUE"),
    (["--name", "a", "--set", "out_size=1,2,3"], "--set out_size"),
    (["--split", "{tmp}/none.txt"], "--split: list file"),
    (["--split", "{tmp}/bad.txt"], "bad.txt:2: no pair named 'nope'"),
    (["--split", "{tmp}/empty.txt"], "empty.txt: the list names no pairs"),
    (["--split", "{tmp}/good.txt", "--box", "1,1,20,20"], "--box: only with --name"),
    (["--split", "{tmp}/good.txt", "--boxes", "0"], "--boxes: must be at least 1"),
])
def test_bad_real_input_gives_a_clear_error(capsys, pairs, tmp_path, argv, message):
    (tmp_path / "bad.txt").write_text("a\nnope\n")
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    (tmp_path / "good.txt").write_text("a\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--pairs" not in argv:
        argv = ["--pairs", str(pairs), *argv]
    code, _, err = cli(capsys, "real", *argv, "--out", tmp_path / "out", "--quiet")
    assert code == 2
    assert err.startswith("heterotrack: error: ") and message in err
    assert not (tmp_path / "out" / "groundtruth.txt").exists()


def test_out_that_is_a_file_is_refused(capsys, pairs, tmp_path):
    (tmp_path / "file").write_text("x")
    code, _, err = cli(capsys, "real", "--pairs", pairs, "--name", "a", "--out", tmp_path / "file", "--quiet")
    assert code == 2 and "is not a folder" in err


# ------------------------------------------------------------------ synthetic


@dataclasses.dataclass(frozen=True)
class FakeSceneConfig:
    frames: int = 10
    seed: int = 0
    size: tuple[int, int] = (64, 48)
    night: bool = False
    speed: float = 1.0

    def __post_init__(self):
        if self.speed <= 0:
            raise ValueError("speed must be positive")


@pytest.fixture
def fake_scene(monkeypatch):
    """A stand-in synth.scene with the agreed API, to test the command's plumbing on its own."""
    calls = []
    module = types.ModuleType("synth.scene")
    module.SceneConfig = FakeSceneConfig
    module.PRESETS = {"default": FakeSceneConfig(), "night": FakeSceneConfig(night=True, speed=2.0)}

    def write_scene(cfg, out_dir, progress=True):
        calls.append((cfg, Path(out_dir), progress))
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "groundtruth.txt").write_text("1,1,5,5\n" * cfg.frames)
        return Path(out_dir)

    module.write_scene = write_scene
    monkeypatch.setitem(sys.modules, "synth.scene", module)
    return calls


def test_synthetic_applies_preset_flags_and_overrides(capsys, fake_scene, tmp_path):
    code, stdout, _ = cli(capsys, "synthetic", "--out", tmp_path / "s", "--preset", "night", "--frames", 7,
                          "--seed", 3, "--set", "size=32,24", "--set", "speed=0.5", "--quiet")
    assert code == 0 and "7 frames" in stdout and "night" in stdout
    cfg, out, progress = fake_scene[-1]
    assert cfg == FakeSceneConfig(frames=7, seed=3, size=(32, 24), night=True, speed=0.5)
    assert out == tmp_path / "s" and progress is False
    assert cli(capsys, "synthetic", "--out", tmp_path / "d", "--set", "night=true")[0] == 0
    assert fake_scene[-1][0] == FakeSceneConfig(night=True)
    code, stdout, _ = cli(capsys, "synthetic", "--list-presets")
    assert code == 0 and stdout.split() == ["default", "night"]


@pytest.mark.parametrize("argv, message", [
    (["--preset", "dusk"], "--preset: unknown preset 'dusk' (known: default, night)"),
    (["--set", "colour=red"], "--set colour: unknown key for FakeSceneConfig"),
    (["--set", "night=maybe"], "--set night: 'maybe' is not a valid bool"),
    (["--set", "speed=-1"], "speed must be positive"),
    (["--frames", "0"], "--frames: must be at least 1"),
])
def test_bad_synthetic_input_gives_a_clear_error(capsys, fake_scene, tmp_path, argv, message):
    code, _, err = cli(capsys, "synthetic", "--out", tmp_path / "s", *argv)
    assert code == 2 and message in err and not fake_scene


def test_synthetic_needs_out_and_an_empty_folder(capsys, fake_scene, tmp_path):
    code, _, err = cli(capsys, "synthetic")
    assert code == 2 and "--out: required" in err
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "x").write_text("")
    code, _, err = cli(capsys, "synthetic", "--out", tmp_path / "s")
    assert code == 2 and "not empty" in err


def test_synthetic_without_the_scene_module_says_so(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "synth.scene", None)
    code, _, err = cli(capsys, "synthetic", "--out", tmp_path / "s")
    assert code == 2 and "synth.scene" in err


def test_synthetic_with_the_real_scene_generator(capsys, tmp_path):
    scene = pytest.importorskip("synth.scene", reason="synth.scene (the synthetic scene generator) is not built yet")
    if not hasattr(scene, "write_scene"):
        pytest.skip("synth.scene has no write_scene yet (the scene generator is being written)")
    name = "default" if "default" in scene.PRESETS else next(iter(scene.PRESETS))
    out = tmp_path / "syn"
    code, stdout, _ = cli(capsys, "synthetic", "--out", out, "--preset", name, "--frames", 4, "--seed", 1, "--quiet")
    assert code == 0 and "4 frames" in stdout
    assert read_boxes(out / "groundtruth.txt").shape == (4, 4)
    assert (out / "sequence").is_file()
    assert read_visible(out / "color" / "00000004.jpg").ndim == 3


@pytest.mark.realdata
def test_real_roadscene_pair(capsys, roadscene, tmp_path):
    out = tmp_path / "flir6"
    code, _, _ = cli(capsys, "real", "--pairs", roadscene, "--name", "FLIR_00006", "--out", out, "--frames", 5,
                     "--quiet")
    assert code == 0
    assert read_boxes(out / "groundtruth.txt").shape == (5, 4)
    assert read_visible(out / "color" / "00000001.jpg").shape == (256, 320, 3)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["source"]["visible"].endswith("FLIR_00006.jpg") and meta["source"]["size"] == [500, 329]
