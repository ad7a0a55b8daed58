"""Shared foundations: errors, configuration loading and box geometry.

Nothing here imports torch or Qt, so every other package may depend on it.
"""
