"""Paraphe: turns structured content (YAML and Markdown) into finished French contract documents."""

__version__ = "0.1.0"
