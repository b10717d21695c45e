"""Concurrency Lab: classic concurrency lessons as runnable, measured experiments."""

__version__ = "0.1.0"
