"""Render stage (Word): a docxtpl template, the project's Jinja environment and a context → .docx bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError

from .errors import Location, Problem, TemplateProblem, display_path
from .jinja_env import PROSE_RENDERER_KEY, environment
from .prose import ProseRenderer
from .provenance import Provenance, reproducible_zip
from .wordml import WordWriter, ask_to_update_fields, fill_table_of_contents

_UNDEFINED = re.compile(r"^'(?P<name>[^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^'(?P<owner>[^']+)' (?:object )?has no attribute '(?P<name>[^']+)'$")


def _undefined_message(exc: UndefinedError) -> str:
    text = exc.message or ""
    match = _UNDEFINED.match(text)
    if match:
        return f"le modèle utilise « {match['name']} », qui n'existe pas dans le contenu"
    match = _NO_ATTRIBUTE.match(text)
    if match:
        return f"le modèle utilise « {match['name']} », que le contenu ne donne pas ({match['owner']})"
    return f"le modèle utilise une donnée absente du contenu ({text})"


def template_problem(template_path: Path, exc: TemplateError) -> TemplateProblem:
    where = Location(display_path(template_path))
    if isinstance(exc, SecurityError):
        message = f"opération interdite dans un modèle : {exc.message}"
    elif isinstance(exc, UndefinedError):
        message = _undefined_message(exc)
    elif isinstance(exc, TemplateSyntaxError):
        message = f"erreur de syntaxe dans le modèle : {exc.message}"
    else:
        message = f"le modèle ne peut pas être rendu : {exc}"
    return TemplateProblem([Problem(where, message)])


def stamp(document, origin: Provenance) -> None:
    """Record the provenance in the document's core properties (File > Properties in Word)."""
    properties = document.core_properties
    properties.version = f"Paraphe {origin.engine_version}"
    properties.identifier = origin.sources_hash
    properties.comments = origin.description
    properties.author = properties.last_modified_by = "Paraphe"
    properties.created = properties.modified = origin.generated.replace(tzinfo=None)
    properties.revision = 1


def render_docx(template_path: Path, context: dict[str, Any], origin: Provenance | None = None) -> bytes:
    """Return the .docx bytes of `template_path` rendered with `context`; raise TemplateProblem on failure.

    With `origin`, the document records its provenance and its bytes depend on its sources only.
    """
    if not template_path.is_file():
        raise TemplateProblem([Problem(Location(display_path(template_path)), "modèle introuvable")])
    template = DocxTemplate(str(template_path))
    document = template.get_docx()
    writer = WordWriter(document)
    full_context = dict(context)
    full_context[PROSE_RENDERER_KEY] = ProseRenderer(writer)
    try:
        template.render(full_context, environment())
    except TemplateError as exc:
        raise template_problem(template_path, exc) from exc
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        # a filter or test given a value it cannot take: reported like any template problem, never hidden
        raise TemplateProblem([Problem(Location(display_path(template_path)),
                                       f"le modèle ne peut pas être rendu avec ce contenu : {exc}")]) from exc
    fill_table_of_contents(template.docx)
    ask_to_update_fields(template.docx)
    if origin is not None:
        stamp(template.docx, origin)
    buffer = io.BytesIO()
    template.save(buffer)
    return reproducible_zip(buffer.getvalue(), origin.generated) if origin else buffer.getvalue()
