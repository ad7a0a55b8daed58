"""Evaluation tools: cross-modal matching queries, baselines, tracking metrics."""
