"""Shopforest: one central catalog plus many owners' content, built into a forest of static shops."""

__version__ = "0.1.0"
