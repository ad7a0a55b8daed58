"""Multi-process data-parallel training (``torchrun``), by explicit collectives.

Every process builds the same model from the same seed; rank 0's parameters
and buffers are broadcast at start. Each step, every process draws its own
share of the random pair stream (its rank is part of the data seed), runs
forward and backward on it, and the gradients are averaged with one
all-reduce over a flat buffer before the optimizer step, so every process
applies the same update. Buffers (batch-norm statistics) follow rank 0 after
each step. Plain collectives rather than ``DistributedDataParallel`` because a
step runs one forward per pair direction before a single backward, and
parameters a direction leaves unused still need a (zero) gradient on every
rank.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import torch
import torch.distributed as dist

from core.errors import ConfigError


@dataclass(frozen=True)
class DistContext:
    """Where this process stands in the run; ``world_size == 1`` means no distribution."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def env_world_size() -> int:
    """``WORLD_SIZE`` as set by torchrun (1 when absent)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise ConfigError(f"WORLD_SIZE: expected an integer, got {os.environ['WORLD_SIZE']!r}") from None


def init_distributed(
    backend: str,
    init_method: str | None = None,
    rank: int | None = None,
    world_size: int | None = None,
) -> DistContext:
    """Join the process group described by torchrun's environment, or by the explicit arguments.

    Returns a single-process context when the world has one process.
    """
    world = env_world_size() if world_size is None else world_size
    if world <= 1:
        return DistContext()
    if backend not in ("gloo", "nccl"):
        raise ConfigError(f"--backend {backend}: expected gloo (CPU) or nccl (CUDA)")
    if backend == "nccl" and not torch.cuda.is_available():
        raise ConfigError("--backend nccl: CUDA is not available; use --backend gloo on CPU")
    rank = int(os.environ.get("RANK", "0")) if rank is None else rank
    local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, init_method=init_method or "env://", rank=rank, world_size=world)
    return DistContext(rank=rank, world_size=world, local_rank=local_rank)


def shutdown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


def broadcast_module(module: torch.nn.Module, ctx: DistContext) -> None:
    """Copy rank 0's parameters and buffers to every process."""
    if not ctx.enabled:
        return
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def broadcast_buffers(module: torch.nn.Module, ctx: DistContext) -> None:
    """Copy rank 0's buffers (running statistics) to every process."""
    if not ctx.enabled:
        return
    buffers = [b for b in module.buffers() if b.is_floating_point()]
    if buffers:
        flat = torch.cat([b.detach().reshape(-1) for b in buffers])
        dist.broadcast(flat, src=0)
        _unflatten_into(flat, buffers)


def fill_missing_grads(params: Sequence[torch.nn.Parameter]) -> None:
    """Give parameters that got no gradient this step a zero one, so every rank updates the same set."""
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)


def all_reduce_gradients(
    params: Sequence[torch.nn.Parameter], ctx: DistContext, extras: Sequence[float] = ()
) -> list[float]:
    """Average the gradients of ``params`` over all processes in one flat all-reduce.

    ``extras`` ride along in the same buffer and come back summed over the
    processes (loss values for logging, a stop request).
    """
    extras = [float(v) for v in extras]
    if not ctx.enabled:
        return extras
    grads = [p.grad for p in params]
    device = grads[0].device if grads else torch.device("cpu")
    tail = torch.tensor(extras, dtype=torch.float32, device=device)
    flat = torch.cat([g.reshape(-1).float() for g in grads] + [tail])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    n = flat.numel() - len(extras)
    summed = flat[n:].tolist()
    flat = flat[:n] / ctx.world_size
    _unflatten_into(flat, grads)
    return summed


def all_reduce_mean(values: Iterable[float], ctx: DistContext, device: torch.device | str = "cpu") -> list[float]:
    """The mean of some scalars over all processes (``device`` must suit the backend)."""
    values = [float(v) for v in values]
    if not ctx.enabled:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return (t / ctx.world_size).tolist()


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()


def _unflatten_into(flat: torch.Tensor, tensors: Sequence[torch.Tensor]) -> None:
    offset = 0
    with torch.no_grad():
        for t in tensors:
            n = t.numel()
            t.copy_(flat[offset:offset + n].view_as(t))
            offset += n
