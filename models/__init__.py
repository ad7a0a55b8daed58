"""Heterologous matcher networks: stateless torch modules, no Qt, no tracker state.

Import from the submodules (``models.config``, ``models.registry``,
``models.matcher``, ``models.checkpoint``, ``models.profile``); this package
file imports nothing, so the NumPy-only ``models.classic`` stays free of torch.
See docs/MODELS.md.
"""
