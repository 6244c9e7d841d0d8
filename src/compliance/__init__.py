"""Check health-reform policy compliance of hospital and region submissions."""

__version__ = "0.1.0"
