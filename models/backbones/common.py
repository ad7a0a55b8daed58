"""Building blocks shared by the backbone families.

Every strided layer here is a ``k×k`` convolution with padding ``(k-1)/2``
(``k`` odd), so output cell ``i`` is centred on input cell ``2i``: after three
stride-2 layers, feature cell ``j`` is centred on crop pixel ``8j`` for
template and search alike. The fusions' ``origin`` relies on this.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` (never below 90% of ``value``)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def activation(name: str | None) -> nn.Module:
    """``relu``, ``hswish`` or ``None`` (identity)."""
    if name is None:
        return nn.Identity()
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "hswish":
        return nn.Hardswish(inplace=True)
    raise ValueError(f"unknown activation {name!r}")


class ConvBNAct(nn.Sequential):
    """Convolution (no bias), BatchNorm, activation; padding keeps the stride-``s`` alignment."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        groups: int = 1,
        dilation: int = 1,
        act: str | None = "relu",
    ):
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd to keep feature alignment, got {kernel_size}")
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias=False),
            nn.BatchNorm2d(out_channels),
            activation(act),
        )
        self.out_channels = out_channels

    def fold(self) -> None:
        """Fold the BatchNorm (its running statistics) into the convolution, in place: inference only."""
        conv, bn = self[0], self[1]
        if not isinstance(bn, nn.BatchNorm2d):
            return
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        folded = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                           conv.dilation, conv.groups, bias=True).to(conv.weight.device, conv.weight.dtype)
        with torch.no_grad():
            folded.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
            bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
            folded.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
        self[0] = folded
        self[1] = nn.Identity()


def fold_batchnorm(module: nn.Module) -> None:
    """Fold every :class:`ConvBNAct`'s BatchNorm into its convolution, in place (eval statistics)."""
    for m in list(module.modules()):
        if isinstance(m, ConvBNAct):
            m.fold()


class SqueezeExcite(nn.Module):
    """Channel gating from globally pooled features (MobileNetV3: ReLU, then hard-sigmoid)."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        squeezed = make_divisible(channels / reduction)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.expand = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.expand(F.relu(self.reduce(s), inplace=True)), inplace=True)
        return x * s


class InputNorm(nn.Module):
    """``(x - mean) / std`` per channel, for inputs in [0, 1]. Constants, not saved in checkpoints."""

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...]):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("inv_std", 1.0 / torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) * self.inv_std


class HighStages(nn.Module):
    """The two stride-8 stages after the low stages, plus the 1x1 output neck.

    ``mid`` takes the stride-4 low features to stride 8; ``deep`` stays at
    stride 8 (dilated). With ``multi_feature`` the neck projects both ``mid``
    and ``deep`` outputs to ``out_channels`` and sums them; otherwise only
    ``deep`` is projected.
    """

    def __init__(
        self, mid: nn.Module, deep: nn.Module, mid_channels: int, deep_channels: int,
        out_channels: int, multi_feature: bool,
    ):
        super().__init__()
        self.mid = mid
        self.deep = deep
        self.project_deep = ConvBNAct(deep_channels, out_channels, 1, act=None)
        self.project_mid = ConvBNAct(mid_channels, out_channels, 1, act=None) if multi_feature else None
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        mid = self.mid(x)
        out = self.project_deep(self.deep(mid))
        if self.project_mid is not None:
            out = out + self.project_mid(mid)
        return out


def init_weights(module: nn.Module) -> None:
    """Kaiming convs, unit norms, Xavier linears; then each submodule's own ``init_extra()``."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    for m in module.modules():
        extra = getattr(m, "init_extra", None)
        if callable(extra):
            extra()
