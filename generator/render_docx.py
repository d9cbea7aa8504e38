"""Render stage (Word): a docxtpl template, the project's Jinja environment and a context → .docx bytes.

Each template is compiled once per process (`wordml.template`); a document is then a Jinja render and the
compression of the parts it changes.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError

from .errors import Location, Problem, TemplateProblem, display_path
from .jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment
from .prose import ProseRenderer
from .provenance import Provenance
from .wordml.template import CompiledTemplate, TemplatePartError
from .wordml.template_cache import compiled_template
from .wordml import SharedRegions

_UNDEFINED = re.compile(r"^'(?P<name>[^']+)' is undefined$")
_UNKNOWN_FILTER = re.compile(r"^No (?P<kind>filter|test) named '(?P<name>[^']+)'")
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
    elif isinstance(exc, TemplateSyntaxError) and (unknown := _UNKNOWN_FILTER.match(exc.message or "")):
        what = "filtre" if unknown["kind"] == "filter" else "test"
        message = (f"le {what} « {unknown['name']} » n'existe pas : un modèle n'utilise que les filtres de "
                   "Paraphe (docs/templates-docxtpl.md)")
    elif isinstance(exc, TemplateSyntaxError):
        message = f"erreur de syntaxe dans le modèle : {exc.message}"
    else:
        message = f"le modèle ne peut pas être rendu : {exc}"
    return TemplateProblem([Problem(where, message)])


def stamp(properties, origin: Provenance) -> None:
    """Record the provenance in a document's core properties (File > Properties in Word)."""
    properties.version = f"Paraphe {origin.engine_version}"
    properties.identifier = origin.sources_hash
    properties.comments = origin.description
    # LibreOffice carries the subject and keywords into the PDF's and the ODT's own metadata.
    properties.subject = origin.description
    properties.keywords = f"Paraphe {origin.engine_version}; sources {origin.sources_hash}"
    properties.author = properties.last_modified_by = "Paraphe"
    properties.created = properties.modified = origin.generated.replace(tzinfo=None)
    properties.revision = 1


@lru_cache(maxsize=32)
def _compiled(path: Path, modified_ns: int, size: int) -> CompiledTemplate:
    """Return the template compiled, once per process and per version of the file (and kept on disk for the
    next process, `wordml.template_cache`)."""
    return compiled_template(path, environment())


RENDER_ERRORS = (TemplateError, TypeError, ValueError, AttributeError, LookupError, ArithmeticError)
"""What rendering a template with some content may raise: each is reported as a problem of the template."""


def render_failure(template_path: Path, exc: Exception) -> TemplateProblem:
    """Return the problem a template raised while compiling or rendering, in French, naming the part of the
    document (body, header, footer…) where it stands when known."""
    part, compiling = None, False
    if isinstance(exc, TemplatePartError):
        part, compiling, exc = exc.part, exc.compiling, exc.error
    if isinstance(exc, TemplateProblem):
        return exc
    if isinstance(exc, TemplateError):
        problem = template_problem(template_path, exc)
    elif compiling:  # whatever the content: the template itself
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        problem = TemplateProblem([Problem(Location(display_path(template_path)),
                                           f"le modèle est inutilisable : {detail}")])
    elif isinstance(exc, RENDER_ERRORS):
        # a filter or test given a value it cannot take: reported like any template problem, never hidden
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # (a KeyError quotes its text)
        problem = TemplateProblem([Problem(Location(display_path(template_path)),
                                           f"le modèle ne peut pas être rendu avec ce contenu : {detail}")])
    else:  # a library's failure on what the template holds
        problem = TemplateProblem([Problem(Location(display_path(template_path)),
                                           f"le modèle ne peut pas être rendu ({type(exc).__name__} : {exc})")])
    if part is None:
        return problem
    return TemplateProblem([Problem(p.location, f"{part} : {p.message}", p.is_warning) for p in problem.problems])


def render_docx(template_path: Path, context: dict[str, Any], origin: Provenance | None = None,
                shared_regions: SharedRegions | None = None, content_dir: Path | None = None) -> bytes:
    """Return the .docx bytes of `template_path` rendered with `context`; raise TemplateProblem on failure.

    With `origin`, the document records its provenance and its bytes depend on its sources only. The documents
    of one contract given the same `shared_regions` (made for their context) render the regions their templates
    have in common once (the same loops in a contract and in its annexes, say). The pictures of the prose
    (`![carte](carte.png)`) are files of `content_dir`, the contract's folder.
    """
    if shared_regions is not None and shared_regions.context is not context:
        raise ValueError("shared_regions was made for another context")
    stat = template_stat(template_path)
    try:
        template = _compiled(template_path, stat.st_mtime_ns, stat.st_size)
        document = template.new_document(shared_regions)
        full_context = {**context, PROSE_RENDERER_KEY: ProseRenderer(document, images_dir=content_dir),
                        WORDML_KEY: document}
        return template.render(document, full_context,
                               set_properties=None if origin is None else partial(stamp, origin=origin),
                               when=origin.generated if origin else None)
    except (TemplatePartError, *RENDER_ERRORS) as exc:
        raise render_failure(template_path, exc) from exc


def template_stat(template_path: Path):
    """Return the template file's stat (its version, for the compiled templates of a process); raise
    TemplateProblem when it does not exist."""
    try:
        return template_path.stat()
    except FileNotFoundError:
        raise TemplateProblem([Problem(Location(display_path(template_path)), "modèle introuvable")]) from None
