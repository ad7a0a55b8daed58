"""``heterotrack train-descriptor``: train the learned structure descriptor on RoadScene training pairs."""
from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROADSCENE = REPO.parent / "shared" / "data" / "roadscene"
DEFAULT_TRAIN_LIST = REPO / "assets" / "splits" / "roadscene_train.txt"
DEFAULT_VAL_LIST = REPO / "assets" / "splits" / "roadscene_val.txt"

EPILOG = """examples:
  heterotrack train-descriptor --run-dir runs/desc1 --out assets/matcher
  heterotrack train-descriptor --run-dir runs/smoke --set steps=20 --set val_queries=20
  heterotrack train-descriptor --set model.hidden=24 --set lr=1e-3 --run-dir runs/desc2
  heterotrack train-descriptor --resume runs/desc1        continue exactly where it stopped
  heterotrack train-descriptor --calibrate assets/matcher  refit the tracker's confidence maps only
  heterotrack train-descriptor --export runs/desc1 --out /tmp/step   weights of the newest checkpoint

settings: --set KEY=VALUE for DescriptorTrainConfig, --set model.KEY=VALUE for
DescriptorConfig (both listed in docs/DESCRIPTOR.md). Ctrl-C saves a
checkpoint; --resume RUN_DIR goes on with the run's own settings.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--out", metavar="PATH", help="final weights PATH.safetensors + PATH.json "
                        "(default: RUN_DIR/descriptor)")
    parser.add_argument("--run-dir", metavar="DIR", help="checkpoints, metrics.csv and curves.png "
                        "(default: runs/descriptor-YYYYmmdd-HHMMSS)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting (repeatable); model.KEY=VALUE for the network")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its newest checkpoint")
    parser.add_argument("--roadscene", metavar="DIR", default=str(DEFAULT_ROADSCENE),
                        help="RoadScene folder with visible/ and infrared/ (default: ../shared/data/roadscene)")
    parser.add_argument("--train-list", default=str(DEFAULT_TRAIN_LIST), metavar="FILE",
                        help="stems to train on (default: assets/splits/roadscene_train.txt)")
    parser.add_argument("--val-list", default=str(DEFAULT_VAL_LIST), metavar="FILE",
                        help="stems to validate on, never trained on (default: assets/splits/roadscene_val.txt)")
    parser.add_argument("--calibrate", metavar="WEIGHTS", help="only fit the tracker's NCC->logit maps of these "
                        "weights on the training list and store them in WEIGHTS.json (done after every run)")
    parser.add_argument("--export", metavar="RUN_DIR|CHECKPOINT", help="write the weights of a run's newest (or the "
                        "given) checkpoint to --out, then stop (for looking at a run that is still going)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    import torch

    from core.config import config_from_mapping, config_to_dict, parse_assignments
    from core.errors import ConfigError, InputError
    from evaluation.queries import PairStore, make_queries
    from models.descriptor.checkpoint import save_descriptor
    from models.descriptor.config import DescriptorConfig
    from models.descriptor.matcher import DescriptorFeatures
    from models.descriptor.network import DescriptorNet
    from training.descriptor.config import DescriptorTrainConfig
    from training.descriptor.data import QuerySampler
    from training.descriptor.loop import DescriptorTrainer
    from training.sources import load_roadscene, read_split
    from training.state import latest_checkpoint, read_train_state

    from training.descriptor.calibrate import calibrate

    say = lambda text: print(f"[train-descriptor] {text}", file=sys.stderr, flush=True)  # noqa: E731
    command = "heterotrack train-descriptor " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    resume_stem = None
    if args.calibrate:
        from models.checkpoint import checkpoint_paths

        weights = checkpoint_paths(args.calibrate)[0]
        logits = calibrate(weights, Path(args.roadscene), read_split(Path(args.train_list)),
                           progress=not args.no_progress)
        say(f"tracker logits of {weights}: {logits}")
        return 0
    if args.export:
        return _export(Path(args.export), args.out, say)
    if args.resume:
        run_dir = Path(args.resume)
        resume_stem = latest_checkpoint(run_dir / "checkpoints")
        if resume_stem is None:
            raise InputError(f"--resume {run_dir}: no checkpoint found in {run_dir / 'checkpoints'}")
        if args.sets:
            raise InputError("--resume: the run continues with its own settings; drop --set")
        info, _ = read_train_state(resume_stem)
        cfg = config_from_mapping(DescriptorTrainConfig, info["train_config"], source=f"{resume_stem}.json: train_config")
        net_cfg = config_from_mapping(DescriptorConfig, info["model_config"], source=f"{resume_stem}.json: model_config")
        train_list, val_list = (p if p.is_absolute() else REPO / p
                                for p in (Path(info["train_list"]), Path(info["val_list"])))
        out = Path(args.out) if args.out else Path(info["out"])
        command = info.get("command", command)
    else:
        train_sets = [s for s in args.sets if not s.strip().startswith("model.")]
        model_sets = [s.strip()[len("model."):] for s in args.sets if s.strip().startswith("model.")]
        cfg = config_from_mapping(DescriptorTrainConfig, parse_assignments(DescriptorTrainConfig, train_sets),
                                  source="--set")
        net_cfg = config_from_mapping(DescriptorConfig, parse_assignments(DescriptorConfig, model_sets, "--set model."),
                                      source="--set model.")
        run_dir = Path(args.run_dir or f"runs/descriptor-{time.strftime('%Y%m%d-%H%M%S')}")
        if latest_checkpoint(run_dir / "checkpoints") is not None or (run_dir / "metrics.csv").exists():
            raise ConfigError(f"--run-dir {run_dir}: already holds a run; continue it with --resume {run_dir} "
                              "or choose another --run-dir")
        train_list, val_list = Path(args.train_list), Path(args.val_list)
        out = Path(args.out) if args.out else run_dir / "descriptor"
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)

    train_stems, val_stems = read_split(train_list), read_split(val_list)
    leaked = sorted(set(train_stems) & set(val_stems))
    if leaked:
        raise InputError(f"{train_list}: {len(leaked)} stems are also in {val_list} (e.g. {leaked[0]}); "
                         "never train on the validation list")
    roadscene = Path(args.roadscene)
    say(f"loading {len(train_stems)} training pairs from {roadscene}")
    pairs = load_roadscene(roadscene, train_stems, list_name=str(train_list))
    net = DescriptorNet(net_cfg)
    features = DescriptorFeatures(net)
    synthetic = None
    if cfg.synthetic_fraction > 0:
        from training.descriptor.synthetic import SyntheticQueries, render_scenes

        say(f"rendering {cfg.synthetic_scenes} synthetic scenes of {cfg.synthetic_frames} frames "
            f"(seeds {cfg.synthetic_seed}..{cfg.synthetic_seed + cfg.synthetic_scenes - 1})")
        scenes = render_scenes(cfg.synthetic_presets, cfg.synthetic_scenes, cfg.synthetic_frames, cfg.synthetic_seed)
        synthetic = SyntheticQueries(scenes, features.margin, cfg.window_scale, cfg.synthetic_max_gap,
                                     cross_fraction=cfg.cross_fraction)
        say(f"{len(synthetic)} synthetic frames in {len(scenes)} scenes, {cfg.synthetic_fraction:.0%} of the queries")
    sampler = QuerySampler(pairs, cfg, features.cfog, features.margin, synthetic)
    store = PairStore(roadscene)
    val_queries = make_queries(store, val_stems, n_per_pair=5, seed=0)[: cfg.val_queries]
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    train_list, val_list = _relative(train_list), _relative(val_list)
    meta = {"train_config": config_to_dict(cfg), "model_config": config_to_dict(net_cfg), "command": command,
            "train_list": str(train_list), "val_list": str(val_list), "out": str(out),
            "train_list_sha256": digest(train_list), "val_list_sha256": digest(val_list)}
    trainer = DescriptorTrainer(cfg, net, sampler, val_queries, store, run_dir, meta, progress=not args.no_progress)
    if resume_stem is not None:
        trainer.resume(resume_stem)
        say(f"resumed {resume_stem} at step {trainer.step}/{cfg.steps}")
    params = sum(p.numel() for p in net.parameters())
    say(f"{params} parameters, {cfg.steps} steps of {cfg.batch} queries, {len(val_queries)} validation queries; "
        f"run dir {run_dir}")

    def report(tr: DescriptorTrainer, v) -> None:
        dirs = ", ".join(f"{k} {x:.3f}" for k, x in v.by_direction.items())
        say(f"step {tr.step}: validation mIoU {v.miou:.3f} ({dirs}), P0.5 {v.p50:.3f}, P0.7 {v.p70:.3f}, "
            f"{v.ms_per_query:.1f} ms/query")

    last = trainer.fit(on_validation=report)
    if trainer.stopped_early:
        say(f"stopped at step {trainer.step}; checkpoint saved. Continue with: heterotrack train-descriptor "
            f"--resume {run_dir}")
        return 130
    extra = {"command": command, "step": trainer.step, "train_list": str(train_list), "val_list": str(val_list),
             "train_list_sha256": meta["train_list_sha256"], "val_list_sha256": meta["val_list_sha256"],
             "train_config": config_to_dict(cfg), "temperature": float(trainer.model.log_tau.detach().exp())}
    if last is not None:
        extra["validation"] = {"miou": last.miou, "p50": last.p50, "p70": last.p70, **last.by_direction}
    path = save_descriptor(trainer.net, out, extra=extra)
    say("fitting the tracker's NCC->logit maps on training queries")
    logits = calibrate(path, roadscene, train_stems, progress=not args.no_progress)
    say(f"tracker logits: {logits}")
    say(f"wrote {path} (and {path.with_suffix('.json').name}); curves in {run_dir / 'curves.png'}")
    return 0


def _export(source: Path, out: str | None, say) -> int:
    """Weights (no tracker calibration) of a training checkpoint: a ``step_*`` file or a run's newest."""
    from core.config import config_from_mapping
    from core.errors import InputError
    from models.descriptor.checkpoint import save_descriptor
    from models.descriptor.config import DescriptorConfig
    from models.descriptor.network import DescriptorNet
    from training.descriptor.loop import TrainModel
    from training.state import latest_checkpoint, read_train_state

    if out is None:
        raise InputError("--export: give --out PATH for the weights")
    stem = source.with_suffix("") if source.name.startswith("step_") else latest_checkpoint(source / "checkpoints")
    if stem is None:
        raise InputError(f"--export {source}: no checkpoint found in {source / 'checkpoints'}")
    info, tensors = read_train_state(stem)
    cfg = config_from_mapping(DescriptorConfig, info["model_config"], source=f"{stem}.json: model_config")
    model = TrainModel(DescriptorNet(cfg), 1.0)
    model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    extra = {"command": info.get("command"), "step": info["step"], "exported_from": str(stem),
             "train_list_sha256": info.get("train_list_sha256"), "val_list_sha256": info.get("val_list_sha256")}
    path = save_descriptor(model.net, out, extra=extra)
    say(f"wrote {path} from {stem} (step {info['step']})")
    return 0


def _relative(path: Path) -> Path:
    """``path`` relative to the repository when it lies inside it (so a run's record travels)."""
    try:
        return Path(path).resolve().relative_to(REPO)
    except ValueError:
        return Path(path)
