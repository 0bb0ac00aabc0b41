"""Command handlers (one module per command family) and the runtime they share."""
