"""The learned descriptor behind the eval-match protocol: CFOG's dense matcher with refined features."""
from __future__ import annotations

import numpy as np
import torch

from models.classic.base import to_grey
from models.classic.cfog import CfogConfig, cfog_descriptor
from models.classic.dense import DenseFeatureMatcher
from models.descriptor.network import DescriptorNet


def modality_of(image: np.ndarray) -> str:
    """Visible frames are RGB ``H×W×3``; infrared frames are grey ``H×W``."""
    return "visible" if image.ndim == 3 else "infrared"


def descriptor_inputs(region: np.ndarray, cfog: CfogConfig,
                      intensity: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The network's inputs for one image region: CFOG ``(C, H, W)`` and, with ``intensity``, the grey level
    ``(1, H, W)`` in [0, 1] (else ``None``)."""
    return cfog_descriptor(region, cfog), ((to_grey(region) / 255.0)[None] if intensity else None)


class DescriptorFeatures:
    """``region -> (C, H, W)`` refined features, the ``FeatureFn`` of a :class:`DenseFeatureMatcher`."""

    def __init__(self, net: DescriptorNet, device: str = "cpu", sigma: float | None = None):
        """``sigma`` overrides the config's CFOG Gaussian (the tracker's half-scale crops want a narrower one).
        ``net`` itself is put in eval mode and channels-last layout (a trainer restores train mode)."""
        self.net = net.to(device).eval().to(memory_format=torch.channels_last)
        self.device = torch.device(device)
        c = net.config
        self.cfog = CfogConfig(n_orientations=c.n_orientations, sigma=c.sigma if sigma is None else sigma)

    @property
    def margin(self) -> int:
        return self.cfog.margin + self.net.config.radius

    def __call__(self, region: np.ndarray) -> np.ndarray:
        return self.batch([region])[0]

    def batch(self, regions: list[np.ndarray]) -> np.ndarray:
        """Features ``(N, C, H, W)`` of ``N`` regions of one modality and one size, in one network call."""
        inputs = [descriptor_inputs(r, self.cfog, self.net.config.intensity) for r in regions]

        def tensor(k: int):  # channels-last runs these thin convolutions about twice as fast on a CPU
            if inputs[0][k] is None:
                return None
            t = torch.from_numpy(np.stack([i[k] for i in inputs])).to(self.device)
            return t.contiguous(memory_format=torch.channels_last)

        with torch.inference_mode():
            out = self.net(tensor(0), tensor(1), modality_of(regions[0]))
        return np.ascontiguousarray(out.float().cpu().numpy())


class DescriptorMatcher(DenseFeatureMatcher):
    """Template matching on learned descriptor maps (``eval-match --method model`` with descriptor weights)."""

    def __init__(self, net: DescriptorNet, device: str = "cpu", name: str = "model", sigma: float | None = None):
        self.descriptor = DescriptorFeatures(net, device, sigma)
        super().__init__(name, self.descriptor, margin=self.descriptor.margin)

    #: The reference query FLOPs are counted on: a 48×48 box in its 2.5× window (120×120).
    REFERENCE_BOX = 48
    REFERENCE_WINDOW = 120

    def parameter_count(self) -> int:
        """Number of parameters of the network."""
        return sum(p.numel() for p in self.descriptor.net.parameters())

    def flops_per_query(self, template_modality: str) -> int:
        """Network FLOPs (``torch.utils.flop_counter``) of one reference query: a 48×48 template region and a
        120×120 window, each with the margin. CFOG's fixed front end and the NCC (OpenCV) are not counted."""
        from torch.utils.flop_counter import FlopCounterMode

        net = self.descriptor.net
        search_modality = "infrared" if template_modality == "visible" else "visible"
        c = net.config.n_orientations
        counter = FlopCounterMode(display=False)
        with torch.inference_mode(), counter:
            for side, modality in ((self.REFERENCE_BOX, template_modality), (self.REFERENCE_WINDOW, search_modality)):
                n = side + 2 * self.margin
                net(torch.zeros(1, c, n, n), torch.zeros(1, 1, n, n), modality)
        return int(counter.get_total_flops())
