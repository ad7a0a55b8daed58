"""Multi-head attention that returns head-averaged weights only when asked.

Without weights it runs ``F.scaled_dot_product_attention`` (fused kernel);
with weights it computes the softmax explicitly. Tokens are ``(B, L, D)``.
"""
from __future__ import annotations

from torch import Tensor, nn
from torch.nn import functional as F


class MultiHeadAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"attention dim {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def _split(self, t: Tensor) -> Tensor:
        b, n, d = t.shape
        return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(
        self, query: Tensor, key: Tensor, value: Tensor, need_weights: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend ``query`` ``(B, Lq, D)`` to ``key``/``value`` ``(B, Lk, D)``; weights ``(B, Lq, Lk)`` if asked."""
        q, k, v = self._split(self.q(query)), self._split(self.k(key)), self._split(self.v(value))
        weights = None
        if need_weights:
            attn = (q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5).softmax(dim=-1)
            out = attn @ v
            weights = attn.mean(dim=1)
        else:
            out = F.scaled_dot_product_attention(q, k, v)
        b, _, n, _ = out.shape
        return self.out(out.transpose(1, 2).reshape(b, n, -1)), weights
