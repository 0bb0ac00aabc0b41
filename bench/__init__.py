"""The performance harness: `make bench` (or `python -m bench`) measures and prints every figure with its target."""
