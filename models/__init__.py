"""Heterologous matcher networks: stateless torch modules, no Qt, no tracker state."""
