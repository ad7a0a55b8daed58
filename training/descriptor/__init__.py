"""Training the learned structure descriptor (``heterotrack train-descriptor``); see docs/DESCRIPTOR.md."""
