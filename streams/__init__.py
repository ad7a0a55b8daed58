"""Frame sources, dataset layouts, synchronisation and result files (no Qt, no torch)."""
