"""Helpers of ``build_spec.py``: what the bundle leaves out, its sizes, the .deb, the launcher.

Kept apart from ``desktop_app`` (they are build tools, never shipped) and free of PyInstaller
imports at module level, so the unit tests load them without building anything.
"""
