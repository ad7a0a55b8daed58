"""The fixed oriented-gradient input channels."""
import math

import pytest
import torch

from models.config import MatcherConfig
from models.registry import build_matcher
from models.structure import OrientedGradients


def test_polarity_invariant_and_normalised():
    og = OrientedGradients(bins=8)
    x = torch.rand(2, 1, 40, 40)
    a, b = og(x), og(1.0 - x)
    assert a.shape == (2, 8, 40, 40)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    assert float(torch.linalg.vector_norm(a, dim=1).max()) <= 1.0 + 1e-5


@pytest.mark.parametrize("angle", [0.0, math.pi / 4, math.pi / 2])
def test_edge_orientation_picks_the_right_bin(angle):
    """A straight step edge lights up the bin of its gradient direction (mod pi)."""
    n = 64
    ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
    proj = (xs - n / 2) * math.cos(angle) + (ys - n / 2) * math.sin(angle)
    img = (proj > 0).float()[None, None]
    out = OrientedGradients(bins=8)(img)[0, :, n // 2, n // 2]
    expected = int(round(angle / (math.pi / 8))) % 8
    assert int(out.argmax()) == expected


def test_matcher_with_structure_channels_round_trips_shapes():
    m = build_matcher(MatcherConfig(structure_bins=8))
    z = m.encode_template(torch.rand(1, 3, 127, 127), "visible")
    out = m.match(z, torch.rand(2, 1, 255, 255), "infrared")
    assert out.score.shape[:2] == (2, 1)
    # Fixed weights: nothing of the structure module is trained or saved.
    assert not any("structure" in k for k in m.state_dict())
