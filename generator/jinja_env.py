"""The one Jinja environment of Paraphe: sandboxed, strict, autoescaped, with the French filters.

Templates are edited by non-programmers: a variable the content lacks fails the build (StrictUndefined), a
template cannot reach Python internals (sandbox), and content text is escaped and typeset in French on output.
Markdown prose (`Prose`) printed with `{{p … }}` becomes real Word paragraphs through the render context's
prose renderer.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Context, Macro
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from . import TEMPLATES_DIR, french
from .prose import markdown_escape, markdown_link
from .schema import Marqueur, Prose, is_marqueur, is_montant
from .wordml import xml_safe

# The context keys of the engine's objects are not names: a template cannot reach them.
PROSE_RENDERER_KEY = "paraphe:prose"
"""The context key of the prose renderer of the output being rendered."""
WORDML_KEY = "paraphe:document"
"""The context key of the Word document being rendered, which treats what a compiled template captures."""


def cellule(value: Any) -> str:
    """Format a table cell: an amount as « 275 000 € », a marker as its words, nothing as an empty string."""
    if value is None:
        return ""
    if is_montant(value):
        return french.montant(value)
    return str(value)


def montant(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return french.montant(value)


@pass_context
def prose(context: Context, value: str, heading_offset: int = 0, style: str | None = None) -> Any:
    """Render Markdown prose with the renderer of the output being built (Word paragraphs, or HTML); `style`
    gives its paragraphs another style than body text (in a table cell, say)."""
    renderer = context.get(PROSE_RENDERER_KEY)
    if renderer is None:
        return value
    rendered = renderer.render(value, heading_offset, style, getattr(value, "source", None))
    return Markup(rendered) if isinstance(rendered, str) else rendered


@pass_context
def _wordml(context: Context, value: Any, what: str, *args) -> Markup:
    """Hand a piece of rendered Word XML to the document being rendered (the filter blocks a compiled docx
    template puts around its headings and `{%tc %}` tables, and its sommaire)."""
    if not isinstance(value, Markup) and value != "":
        # only the compiled template's own filter blocks (whose content is rendered, escaped markup) may hand
        # XML to the document: a template author's `{{ nom|_wordml(…) }}` would bypass autoescaping
        raise SecurityError("le filtre _wordml est réservé au modèle compilé")
    return Markup(context[WORDML_KEY].capture(str(value), what, *args))


@pass_context
def _region(context: Context, key: str, caller: Macro | None = None) -> Markup:
    """Print a region of a compiled docx template (`{% call _region(key) %}…{% endcall %}`, put around a
    stretch of the body holding a loop): rendered once for all the documents of a contract
    (`DocumentWriter.region`). The template compiler refuses any other use of `_region`."""
    writer = context[WORDML_KEY]
    if key not in writer.template.region_keys or not isinstance(caller, Macro):
        raise SecurityError("_region est réservé au modèle compilé")
    region = writer.region(key, caller)
    if not isinstance(region, Markup):  # a call block's body is rendered, escaped markup
        raise SecurityError("_region est réservé au modèle compilé")
    return region


@pass_context
def ancre(context: Context, text: str) -> str:
    """Return a unique anchor for a heading of the HTML page."""
    return context[PROSE_RENDERER_KEY].anchor(str(text))


@lru_cache(maxsize=8192)
def _typeset(text: str) -> str:
    return french.typographie(xml_safe(text))


@lru_cache(maxsize=16384)
def _typeset_escaped(text: str) -> str:
    """Return a printed string as the output receives it: typeset, then escaped."""
    return str(escape(_typeset(text)))


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Typeset every string that a template prints; render prose printed without the `prose` filter."""
    if type(value) is str:  # by far the most frequent: first, and remembered
        return _typeset(value)
    if isinstance(value, Prose):
        return prose(context, value)
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    if isinstance(value, Marqueur):
        return _typeset(value.texte)
    if isinstance(value, str):
        return _typeset(str(value))
    return value


def majuscules(value: str) -> str:
    """Return text in capitals, accents kept (« Être » → « ÊTRE »)."""
    return str(value).upper()


def date_longue(value) -> str:
    """Return « 9 juillet 2021 »; a date not given yet prints as a visible marker."""
    return french.date_longue(value) if value is not None else "[date à compléter]"


def date_courte(value) -> str:
    return french.date_courte(value) if value is not None else "[date à compléter]"


def mois_annee(value) -> str:
    """Return « janvier 2022 » for a date."""
    return french.mois_annee(value)


class _OutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, compiling each `{{ … }}` of an autoescaped template into one call of
    `print_value` (Jinja's own compiles `escape(environment.finalize(context, …))`: three Python calls per printed
    value, a fifth of a CRTE's render). Jinja's compiler has these two hooks for it (the source written before
    and after each printed expression); blocks whose escaping is decided at run time keep Jinja's code."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
        else:
            self.write("environment.print_value(context, ")

    def _output_child_post(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(")")


class _Environment(SandboxedEnvironment):
    """The sandboxed environment, deciding once per type and name whether an attribute is safe.

    Jinja's sandbox decides from the object's type and the attribute's name only (`is_safe_attribute`), and
    treats specially only `str.format` methods (`wrap_str_format`): an attribute found safe and holding plain
    data (nothing callable) is read directly the next times it is asked of an object of that type. A CRTE
    document reads some 2 500 attributes of its content, where the sandbox's checks took a fifth of the render.
    """

    code_generator_class = _OutputCodeGenerator

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.finalize is not _finalize:  # `print_value` finalizes with `_finalize`
            self.code_generator_class = CodeGenerator
        self._safe_attributes: dict[tuple[type, str], bool] = {}
        self._plain_attributes: set[tuple[type, str]] = set()

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe_attributes.get(key)
        if safe is None:
            safe = self._safe_attributes[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    @staticmethod
    def print_value(context: Context, value: Any) -> str:
        """Return a value as an autoescaped template prints it: finalized by `_finalize`, then escaped."""
        if type(value) is str:  # by far the most frequent: remembered
            return _typeset_escaped(value)
        if type(value) is Markup:  # as `escape` would give it, without a copy
            return value
        return escape(_finalize(context, value))

    def getattr(self, obj: Any, attribute: str) -> Any:
        key = (type(obj), attribute)
        if key in self._plain_attributes:
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if not callable(value):
                return value
            return super().getattr(obj, attribute)
        value = super().getattr(obj, attribute)
        if not callable(value) and hasattr(obj, attribute) and self.is_safe_attribute(obj, attribute, value):
            self._plain_attributes.add(key)
        return value


def create_environment(templates_dir=None) -> SandboxedEnvironment:
    """Return the project's Jinja environment: sandboxed, StrictUndefined, autoescape, French filters; HTML
    templates extend others found in `templates_dir`."""
    env = _Environment(
        loader=FileSystemLoader(str(templates_dir)) if templates_dir else None,
        undefined=StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        keep_trailing_newline=True,
    )
    env.filters.update(
        montant=montant,
        cellule=cellule,
        nombre=french.nombre,
        pourcentage=french.pourcentage,
        date_longue=date_longue,
        date_courte=date_courte,
        ordinal=french.ordinal,
        numero_article=french.numero_article,
        en_lettres=french.montant_en_lettres,
        montant_jo=french.montant_jo,
        typo=french.typographie,
        majuscules=majuscules,
        mois_annee=mois_annee,
        de=french.de,
        lien=markdown_link,
        texte_litteral=markdown_escape,
        prose=prose,
        ancre=ancre,
        _wordml=_wordml,
    )
    env.tests.update(montant=is_montant, marqueur=is_marqueur)
    env.globals.update(_region=_region)
    return env


_ENVIRONMENT: SandboxedEnvironment | None = None


def environment() -> SandboxedEnvironment:
    """Return the process's single Jinja environment, created on first use."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = create_environment(TEMPLATES_DIR)
    return _ENVIRONMENT
