"""Render stage (web page): a kind's Jinja HTML template and the same context as its Word documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from .errors import Location, Problem, TemplateProblem, display_path
from .french import typographie
from .jinja_env import PROSE_RENDERER_KEY, environment
from .prose import HtmlProseRenderer
from .provenance import Provenance
from .render_docx import template_problem


_NOT_TEXT = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<[^>]*>|\{\{.*?\}\}|\{%.*?%\}|"
                       r"\{#.*?#\})", re.S)


def typeset_template(source: str) -> str:
    """Return an HTML template whose own text has French typography (tags, CSS and Jinja left alone)."""
    return "".join(part if _NOT_TEXT.fullmatch(part) or not part.strip() else typographie(part)
                   for part in _NOT_TEXT.split(source))


def render_html(template_path: Path, context: dict[str, Any], origin: Provenance) -> bytes:
    """Return the UTF-8 bytes of a self-contained HTML page; raise TemplateProblem on failure."""
    if not template_path.is_file():
        raise TemplateProblem([Problem(Location(display_path(template_path)), "modèle introuvable")])
    full_context = dict(context)
    full_context[PROSE_RENDERER_KEY] = HtmlProseRenderer()
    full_context["provenance"] = origin
    try:
        template = environment().from_string(typeset_template(template_path.read_text(encoding="utf-8")))
        return template.render(full_context).encode("utf-8")
    except TemplateError as exc:
        raise template_problem(template_path, exc) from exc
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        raise TemplateProblem([Problem(Location(display_path(template_path)),
                                       f"le modèle ne peut pas être rendu avec ce contenu : {exc}")]) from exc
