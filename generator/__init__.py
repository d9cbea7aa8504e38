"""Paraphe: turns structured content (YAML and Markdown) into finished French contract documents."""

from pathlib import Path

__version__ = "0.1.0"

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
"""The templates: `<kind>/` holds a kind's docx and HTML templates (and its `nouveau/` model), `html/` the
page layout every HTML template extends."""

FORMATS = ("docx", "pdf", "odt", "html", "xlsx")
"""The output formats a build can produce."""
