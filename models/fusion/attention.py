"""TransT-style attention fusion: ECA + CFA feature-fusion layers and a CFA decoder.

Each feature-fusion layer first augments each branch with its own context
(ego-context augmentation, ECA: self-attention on template tokens and on
search tokens), then lets each branch read the other (cross-feature
augmentation, CFA: cross-attention both ways, each followed by a
feed-forward block). After ``N`` layers a last CFA, the decoder, writes
template information into the search tokens, which return to the search
grid as the fused map. Sine position encodings are added to queries and
keys, as in TransT.

Only the first layer's template ECA depends on the template alone, so
``prepare`` runs it once per target.
"""
from __future__ import annotations

from typing import Mapping

from torch import Tensor, nn

from models.fusion.base import Fusion, FusionOutput, pair_batch
from models.fusion.mha import MultiHeadAttention
from models.fusion.position import sine_position_encoding


def _ffn(dim: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, dim))


class ContextAugment(nn.Module):
    """ECA: ``x + SelfAttention(x)``, then LayerNorm."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.attn = MultiHeadAttention(dim, heads)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: Tensor, pos: Tensor, need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        qk = x + pos
        out, weights = self.attn(qk, qk, x, need_weights)
        return self.norm(x + out), weights


class CrossAugment(nn.Module):
    """CFA: ``x + CrossAttention(x -> other)``, LayerNorm, feed-forward with residual, LayerNorm."""

    def __init__(self, dim: int, heads: int, ffn: int):
        super().__init__()
        self.attn = MultiHeadAttention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.ffn = _ffn(dim, ffn)
        self.norm2 = nn.LayerNorm(dim)

    def forward(
        self, x: Tensor, pos: Tensor, other: Tensor, other_pos: Tensor, need_weights: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        out, weights = self.attn(x + pos, other + other_pos, other, need_weights)
        x = self.norm1(x + out)
        return self.norm2(x + self.ffn(x)), weights


class FeatureFusionLayer(nn.Module):
    """One TransT feature-fusion layer: ECA on each branch, then CFA both ways."""

    def __init__(self, dim: int, heads: int, ffn: int):
        super().__init__()
        self.template_context = ContextAugment(dim, heads)
        self.search_context = ContextAugment(dim, heads)
        self.template_cross = CrossAugment(dim, heads, ffn)
        self.search_cross = CrossAugment(dim, heads, ffn)

    def cross(
        self, z: Tensor, pz: Tensor, x: Tensor, px: Tensor, need_weights: bool,
    ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """Both cross-attentions read the branches as they were before this step."""
        z_new, wz = self.template_cross(z, pz, x, px, need_weights)
        x_new, wx = self.search_cross(x, px, z, pz, need_weights)
        return z_new, x_new, wz, wx


def _tokens(t: Tensor) -> Tensor:
    return t.flatten(2).transpose(1, 2)  # (B, C, H, W) -> (B, HW, C)


class AttentionFusion(Fusion):
    """``layers`` feature-fusion layers plus a CFA decoder over ``dim``-wide tokens.

    Attention maps (head-averaged, asked for with ``want_attention``) are
    named ``layer{i}.template_self`` ``(S, hz, wz, hz, wz)``,
    ``layer{i}.search_self`` ``(S, H, W, H, W)``, ``layer{i}.template_to_search``
    ``(S, hz, wz, H, W)``, ``layer{i}.search_to_template`` and
    ``decoder.search_to_template`` ``(S, H, W, hz, wz)``.
    """

    has_attention = True

    def __init__(self, in_channels: int, dim: int, heads: int, layers: int, ffn_mult: int = 4):
        super().__init__()
        self.dim = dim
        self.input_proj = nn.Conv2d(in_channels, dim, 1)
        self.layers = nn.ModuleList(FeatureFusionLayer(dim, heads, ffn_mult * dim) for _ in range(layers))
        self.decoder = CrossAugment(dim, heads, ffn_mult * dim)
        self.out_channels = dim

    def prepare(self, z: Tensor) -> dict[str, Tensor]:
        zp = self.input_proj(z)
        pos = sine_position_encoding(zp.shape[-2], zp.shape[-1], self.dim, device=zp.device, dtype=zp.dtype)
        tokens = _tokens(zp)
        context, _ = self.layers[0].template_context(tokens, _tokens(pos))
        return {"tokens": tokens, "pos": pos, "context0": context}

    def forward(self, prepared: Mapping[str, Tensor], x: Tensor, want_attention: bool = False) -> FusionOutput:
        s = x.shape[0]
        xp = self.input_proj(x)
        h, w = xp.shape[-2:]
        hz, wz = prepared["pos"].shape[-2:]
        px = _tokens(sine_position_encoding(h, w, self.dim, device=xp.device, dtype=xp.dtype))
        pz = _tokens(prepared["pos"])
        xt = _tokens(xp)
        maps: dict[str, Tensor] | None = {} if want_attention else None

        def keep(name: str, weights: Tensor | None, q: tuple[int, int], k: tuple[int, int]) -> None:
            if maps is not None and weights is not None:
                maps[name] = pair_batch(weights, s).reshape(s, *q, *k)

        for i, layer in enumerate(self.layers):
            if i == 0:
                if want_attention:  # recompute the cached template ECA, this time with its weights
                    zt, wzz = layer.template_context(prepared["tokens"], pz, True)
                else:
                    zt, wzz = prepared["context0"], None
                zt = pair_batch(zt, s)
            else:
                zt, wzz = layer.template_context(zt, pz, want_attention)
            xt, wxx = layer.search_context(xt, px, want_attention)
            zt, xt, wzx, wxz = layer.cross(zt, pz, xt, px, want_attention)
            keep(f"layer{i}.template_self", wzz, (hz, wz), (hz, wz))
            keep(f"layer{i}.search_self", wxx, (h, w), (h, w))
            keep(f"layer{i}.template_to_search", wzx, (hz, wz), (h, w))
            keep(f"layer{i}.search_to_template", wxz, (h, w), (hz, wz))
        xt, wd = self.decoder(xt, px, zt, pz, want_attention)
        keep("decoder.search_to_template", wd, (h, w), (hz, wz))
        fused = xt.transpose(1, 2).reshape(s, self.dim, h, w)
        return FusionOutput(fused, maps)
