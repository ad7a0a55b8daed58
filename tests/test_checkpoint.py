"""Matcher checkpoints: safetensors + JSON round trip, and every CheckpointError case."""
from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from core.errors import CheckpointError
from models.checkpoint import checkpoint_paths, load_matcher, read_meta, save_matcher
from models.config import MatcherConfig
from models.registry import build_matcher

CFG = MatcherConfig(width=0.5, channels=32, hidden=16, attention_dim=16, attention_heads=2,
                    template_window=4, light_tokens=2, exemplar_size=48, instance_size=96)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def saved(tmp_path):
    """A trained-looking model (non-default BN statistics) saved under tmp_path/run/model."""
    torch.manual_seed(0)
    model = build_matcher(CFG)
    with torch.no_grad():
        model.train()
        model(torch.rand(2, 3, 48, 48), "visible", torch.rand(2, 1, 96, 96), "infrared")  # moves BN running stats
        for p in model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    model.eval()
    path = save_matcher(model, CFG, tmp_path / "run" / "model", extra={"epoch": 3, "note": "unit test"})
    return model, path


def _outputs(model):
    g = torch.Generator().manual_seed(1)
    z, x = torch.rand(1, 1, 48, 48, generator=g), torch.rand(2, 3, 96, 96, generator=g)
    with torch.inference_mode():
        return model.match(model.encode_template(z, "infrared"), x, "visible")


def test_round_trip_gives_identical_outputs(saved, tmp_path):
    model, path = saved
    assert path == tmp_path / "run" / "model.safetensors"
    assert (tmp_path / "run" / "model.json").is_file()
    assert not list((tmp_path / "run").glob("*.tmp"))
    expected = _outputs(model)
    for name in ("model.safetensors", "model.json", "model"):
        loaded, cfg, meta = load_matcher(tmp_path / "run" / name)
        assert cfg == CFG and loaded.config == CFG and not loaded.training
        assert meta["format"] == "heterotrack-matcher" and meta["version"] == 1
        assert meta["extra"] == {"epoch": 3, "note": "unit test"}
        got = _outputs(loaded)
        assert torch.equal(got.score, expected.score)
        assert torch.equal(got.boxes, expected.boxes)


def test_json_layout_and_no_pickle(saved, tmp_path):
    _, path = saved
    meta = json.loads((tmp_path / "run" / "model.json").read_text())
    assert set(meta) == {"format", "version", "config", "extra"}
    assert meta["config"]["fusion"] == CFG.fusion and meta["config"]["width"] == 0.5
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8:8 + header_len])
    assert header["__metadata__"]["format"] == "heterotrack-matcher"
    assert b"\x80\x04" not in path.read_bytes()[:2]  # not a pickle stream
    cfg, meta2 = read_meta(path)
    assert cfg == CFG and meta2 == meta


def test_stem_with_dots(tmp_path):
    model = build_matcher(CFG)
    save_matcher(model, CFG, tmp_path / "run.v2")
    assert checkpoint_paths(tmp_path / "run.v2") == (tmp_path / "run.v2.safetensors", tmp_path / "run.v2.json")
    load_matcher(tmp_path / "run.v2")


def test_missing_files(saved, tmp_path):
    with pytest.raises(CheckpointError, match=r"nothing\.json: checkpoint metadata not found"):
        load_matcher(tmp_path / "nothing")
    (tmp_path / "run" / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"model\.safetensors: checkpoint weights not found"):
        load_matcher(tmp_path / "run" / "model.json")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_safetensors(saved, tmp_path, damage):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a tensor file" * 8, "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with pytest.raises(CheckpointError) as info:
        load_matcher(path)
    assert str(info.value).startswith(str(path))
    assert "safetensors" in str(info.value)


def _edit_json(tmp_path, change):
    meta_path = tmp_path / "run" / "model.json"
    meta = json.loads(meta_path.read_text())
    change(meta)
    meta_path.write_text(json.dumps(meta))
    return meta_path


def test_unknown_config_key(saved, tmp_path):
    meta_path = _edit_json(tmp_path, lambda m: m["config"].update(dropout=0.1))
    with pytest.raises(CheckpointError) as info:
        load_matcher(meta_path)
    assert str(info.value).startswith(str(meta_path))
    assert "unknown key 'dropout'" in str(info.value)


def test_bad_config_value_format_version_and_json(saved, tmp_path):
    meta_path = _edit_json(tmp_path, lambda m: m["config"].update(fusion="concat"))
    with pytest.raises(CheckpointError, match=r"model\.json: config: fusion: 'concat' is not one of"):
        load_matcher(meta_path)
    _edit_json(tmp_path, lambda m: m["config"].update(fusion=CFG.fusion) or m.update(version=2))
    with pytest.raises(CheckpointError, match=r"model\.json: version: expected 1, got 2"):
        load_matcher(meta_path)
    _edit_json(tmp_path, lambda m: m.update(version=1, format="pysot"))
    with pytest.raises(CheckpointError, match=r"model\.json: format: expected 'heterotrack-matcher'"):
        load_matcher(meta_path)
    meta_path.write_text("{not json")
    with pytest.raises(CheckpointError, match=r"model\.json: not valid JSON"):
        load_matcher(meta_path)


def test_weights_from_another_architecture(saved, tmp_path):
    # Same backbone, another fusion: the fusion keys are missing / unexpected.
    meta_path = _edit_json(tmp_path, lambda m: m["config"].update(fusion="dwxcorr"))
    with pytest.raises(CheckpointError, match=r"model\.safetensors: missing key 'fusion\.adjust_search"):
        load_matcher(meta_path)
    # Same modules, other widths: the first key with another shape is named.
    _edit_json(tmp_path, lambda m: m["config"].update(fusion=CFG.fusion, channels=48))
    with pytest.raises(CheckpointError, match=r"model\.safetensors: key '.*' has shape .* the config needs"):
        load_matcher(meta_path)


def test_extra_and_missing_tensors_are_never_loaded_partially(saved, tmp_path):
    model, path = saved
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file({**state, "head.bonus.weight": torch.zeros(3)}, str(path))
    with pytest.raises(CheckpointError, match=r"unexpected key 'head\.bonus\.weight'"):
        load_matcher(path)
    dropped = sorted(state)[0]
    save_file({k: v for k, v in state.items() if k != dropped}, str(path))
    with pytest.raises(CheckpointError, match=f"missing key '{dropped}'"):
        load_matcher(path)


def test_save_rejects_mismatched_config_and_non_json_extra(tmp_path):
    model = build_matcher(CFG)
    with pytest.raises(ValueError, match="cfg differs"):
        save_matcher(model, MatcherConfig(), tmp_path / "m")
    with pytest.raises(ValueError, match="extra is not plain JSON"):
        save_matcher(model, CFG, tmp_path / "m", extra={"tensor": torch.zeros(1)})
    with pytest.raises(ValueError, match="inference copy"):
        save_matcher(model.inference_copy(), CFG, tmp_path / "m")
    assert not list(tmp_path.iterdir())
