"""``heterotrack train``: train the heterologous matcher on RoadScene pairs and synthetic scenes."""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROADSCENE = REPO.parent / "shared" / "data" / "roadscene"
DEFAULT_TRAIN_LIST = REPO / "assets" / "splits" / "roadscene_train.txt"
DEFAULT_VAL_LIST = REPO / "assets" / "splits" / "roadscene_val.txt"

EPILOG = """examples:
  heterotrack train --out assets/matcher --preset cpu --run-dir runs/cpu1
  heterotrack train --preset tiny --synthetic-only --run-dir runs/smoke
  heterotrack train --preset gpu --device cuda --out assets/matcher_gpu
  heterotrack train --config train.toml --set lr=5e-4 --set model.fusion=xcorr
  heterotrack train --resume runs/cpu1            continue exactly where it stopped
  heterotrack train --init-from assets/matcher --run-dir runs/cpu2   a new schedule from trained weights
  torchrun --nproc_per_node=2 main.py train --preset tiny --backend gloo --run-dir runs/ddp

settings: --preset, then the [train] table of --config, then --set key=value
(model settings: [model] table, --set model.key=value). All TrainConfig keys are
listed in docs/TRAINING.md. Ctrl-C saves a checkpoint; --resume RUN_DIR goes on.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--out", metavar="PATH", help="final weights PATH.safetensors + PATH.json "
                        "(default: RUN_DIR/matcher)")
    parser.add_argument("--preset", choices=("cpu", "tiny", "gpu"), default=None,
                        help="cpu: ~2 h on 2 CPU cores (the default); tiny: a few steps for smoke tests; "
                             "gpu: a lent GPU")
    parser.add_argument("--config", metavar="FILE.toml", help="settings file with [train] and/or [model] tables")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting (repeatable); model.KEY=VALUE for the model")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its latest "
                        "checkpoint (or from a given checkpoint file), with its saved settings")
    parser.add_argument("--init-from", metavar="WEIGHTS", help="start a fresh run from these exported weights "
                        "(PATH.safetensors + PATH.json) instead of a random model; the architecture is theirs "
                        "and --set model.* must agree with it")
    parser.add_argument("--export", metavar="RUN_DIR|CHECKPOINT",
                        help="write the weights of a run's newest (or the given) checkpoint to --out, then stop")
    parser.add_argument("--run-dir", metavar="DIR", help="where checkpoints, metrics.csv and curves.png go "
                        "(default: runs/train-YYYYmmdd-HHMMSS)")
    parser.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: the preset's)")
    parser.add_argument("--threads", type=int, metavar="N", help="torch CPU threads per process "
                        "(default: the preset's; 1 per process under torchrun)")
    parser.add_argument("--workers", type=int, metavar="N", help="data-loading worker processes (0: in the "
                        "training process; the cpu preset uses 1, the gpu preset 8)")
    parser.add_argument("--roadscene", metavar="DIR", default=None,
                        help="RoadScene folder with visible/ and infrared/ (default: ../shared/data/roadscene; "
                             "with --resume, the run's own unless given)")
    parser.add_argument("--synthetic-only", action="store_true",
                        help="train on synthetic scenes only (validation on held-out synthetic scenes)")
    parser.add_argument("--train-list", default=str(DEFAULT_TRAIN_LIST), metavar="FILE",
                        help="RoadScene stems to train on (default: assets/splits/roadscene_train.txt)")
    parser.add_argument("--val-list", default=str(DEFAULT_VAL_LIST), metavar="FILE",
                        help="RoadScene stems for validation only, never trained on")
    parser.add_argument("--backend", choices=("gloo", "nccl"), default=None,
                        help="torch.distributed backend under torchrun (default: gloo on CPU, nccl on CUDA)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from core.errors import ConfigError
    from training.config import override_config, resolve_config
    from training.data import DataSpec
    from training.run import execute, plan_fresh, plan_resume

    command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
    if args.export:
        from training.export import export_checkpoint

        if not args.out:
            raise ConfigError("--export needs --out PATH for the weights")
        weights = export_checkpoint(args.export, args.out, command)
        print(f"heterotrack train: exported {args.export} to {weights} (+ .json)")
        return 0
    runtime = {k: v for k, v in (("device", args.device), ("threads", args.threads), ("workers", args.workers))
               if v is not None}
    if args.resume:
        if args.preset or args.config or args.sets or args.init_from:
            raise ConfigError("--resume: the run continues with its saved settings; drop --preset/--config/--set "
                              "(only --device, --threads and --workers may change; --init-from starts a new run)")
        plan = plan_resume(Path(args.resume), runtime, Path(args.roadscene) if args.roadscene else None,
                           Path(args.out) if args.out else None, command, DEFAULT_ROADSCENE)
    else:
        cfg, model_table = resolve_config(args.preset or "cpu", args.config, args.sets)
        if runtime:
            cfg = override_config(cfg, runtime, "command line")
        run_dir = Path(args.run_dir) if args.run_dir else Path("runs") / time.strftime("train-%Y%m%d-%H%M%S")
        spec = DataSpec(None if args.synthetic_only else Path(args.roadscene or DEFAULT_ROADSCENE),
                        Path(args.train_list), Path(args.val_list))
        plan = plan_fresh(cfg, model_table, run_dir, spec, Path(args.out) if args.out else None, command,
                          init_from=Path(args.init_from) if args.init_from else None)
    execute(plan, backend=args.backend, progress=not args.no_progress)
    return 0

