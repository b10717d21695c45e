"""Command line: `concurrency-lab list|show|run`; imports no Qt."""

from .commands import main

__all__ = ["main"]
