"""Stacks of the reference app: they compose vpc_patterns constructs."""
