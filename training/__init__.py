"""Training of the heterologous matcher (kept apart from inference)."""
