"""Two-process data-parallel training on CPU (gloo): same parameters on both ranks, rank 0 writes."""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file, save_file

from training.batches import step_rng
from training.config import PRESETS, TrainConfig, override_config
from training.data import DataSpec, build_training_data
from training.distributed import init_distributed, shutdown
from training.state import list_checkpoints
from training.trainer import Trainer

from tests.training_doubles import ToyMatcher, toy_scene

REPO = Path(__file__).resolve().parents[1]
LISTS = REPO / "assets" / "splits"


def _worker(rank: int, world: int, init_file: str, run_dir: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    ctx = init_distributed("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        cfg = override_config(TrainConfig(), {**PRESETS["tiny"], "steps": 3, "batch_size": 2,
                                              "checkpoint_every": 2, "val_pairs": 2, "exemplar_size": 63,
                                              "instance_size": 127, "max_offset": 32.0}, "test")
        data = build_training_data(cfg, DataSpec(None, LISTS / "roadscene_train.txt", LISTS / "roadscene_val.txt"),
                                   scene_factory=toy_scene, with_validation=ctx.is_main)
        torch.manual_seed(100 + rank)  # different inits on purpose: rank 0's weights must win
        trainer = Trainer(cfg, ToyMatcher(), data.sampler, run_dir, val=data.val, ctx=ctx, progress=False, plot=False)
        first = [s.name for s in data.sampler.batch(step_rng(cfg.seed, rank, 0), cfg.batch_size)]
        result = trainer.fit()
        state = {k: v.detach().contiguous() for k, v in trainer.model.state_dict().items()}
        save_file(state, str(Path(out_dir) / f"rank{rank}.safetensors"))
        (Path(out_dir) / f"rank{rank}.json").write_text(json.dumps({"step": result.step, "first_batch": first}))
    finally:
        shutdown(ctx)


def test_two_gloo_processes_stay_in_sync(tmp_path):
    run_dir, out_dir = tmp_path / "run", tmp_path / "out"
    out_dir.mkdir()
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), str(run_dir), str(out_dir)), nprocs=2, join=True)
    a, b = load_file(str(out_dir / "rank0.safetensors")), load_file(str(out_dir / "rank1.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    info = [json.loads((out_dir / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert info[0]["step"] == info[1]["step"] == 3
    assert info[0]["first_batch"] != info[1]["first_batch"]  # each rank draws its own share of pairs
    # Only rank 0 wrote: checkpoints at step 2 and the end, and the metrics.
    assert [s for s, _ in list_checkpoints(run_dir / "checkpoints")] == [2, 3]
    assert (run_dir / "metrics.csv").is_file()
    ckpt = load_file(str(run_dir / "checkpoints" / "step_00000003.safetensors"))
    for key in a:
        assert torch.equal(ckpt[f"model.{key}"], a[key]), key
    meta = json.loads((run_dir / "checkpoints" / "step_00000003.json").read_text())
    assert meta["world_size"] == 2
