"""Benchmarks: `make bench` generates a large practice and times the main screens."""
