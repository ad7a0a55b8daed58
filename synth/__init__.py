"""Synthetic visible/IR scene generator and real-pair sequence maker (NumPy + OpenCV only)."""
