"""Widgets around the plots: chooser, parameters, controls, consoles, tables."""
