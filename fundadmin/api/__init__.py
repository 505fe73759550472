"""The HTTP API: one module per area, each a thin layer over its package's services."""
