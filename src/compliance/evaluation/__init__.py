"""Evaluating submissions against rules: data-quality checks, grouping of regions with their
hospitals, applicability, the rule kinds, and the durable-rules engine (``engine.py``)."""
