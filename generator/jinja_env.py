"""The one Jinja environment of Paraphe: sandboxed, strict, autoescaped, with the French filters.

Templates are edited by non-programmers: a variable the content lacks fails the build (StrictUndefined), a
template cannot reach Python internals (sandbox), and content text is escaped and typeset in French on output.
Markdown prose (`Prose`) printed with `{{p … }}` becomes real Word paragraphs through the render context's
prose renderer.

A template has bounded resources: `range` gives at most `MAX_RANGE` numbers, a string or list a template makes
(`*`, `**`, `%`, `+`, `~`, the sized string methods and filters) at most `MAX_SIZE` items, checked before it is
made; and a render that lasts more than `RENDER_TIME_LIMIT` seconds is stopped, naming its template.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, pass_context, pass_eval_context
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.filters import FILTERS
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from . import TEMPLATES_DIR, french
from .caches import text_cache
from .exposants import marquer_exposants
from .prose import markdown_escape, markdown_link
from .schema import Marqueur, Prose, is_marqueur, is_montant
from .wordml import Fragment, xml_safe
from .wordml.signature import signature_anchor

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
def _region(context: Context, key: str, end: bool = False) -> bool:
    """Start (or with `end`, end) a region of a compiled docx template (`{% if _region(key) %}…{% endif %}{% if
    _region(key, True) %}{% endif %}`, put around a stretch of the body holding a loop): rendered once for all
    the documents of a contract (`DocumentWriter.region_start`). The template compiler refuses any other use of
    `_region`."""
    writer = context[WORDML_KEY]
    if key not in writer.template.region_keys or end not in (True, False):
        raise SecurityError("_region est réservé au modèle compilé")
    if end:
        writer.region_end(key)
        return False
    return writer.region_start(key)


@pass_context
def ancre(context: Context, text: str) -> str:
    """Return a unique anchor for a heading of the HTML page."""
    return context[PROSE_RENDERER_KEY].anchor(str(text))


def ancre_signature(index: int, edge: str) -> Markup:
    """Mark the top (« haut ») or bottom (« bas ») of signatory `index`'s room to sign, for the signature
    field of the PDF (`{{r loop.index|ancre_signature('haut') }}` in a Word template)."""
    try:
        return Markup(signature_anchor(index, edge))
    except ValueError as exc:
        raise SecurityError(str(exc)) from None


@text_cache(maxsize=8192)
def _typeset(text: str) -> str:
    """Return a printed string typeset, the letters of its ordinals marked as superscripts (each output turns
    the marks into its own superscript: `exposants.EXPOSANT_DEBUT`)."""
    return marquer_exposants(french.typographie(xml_safe(text)))


@text_cache(maxsize=16384)
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


# --- resource limits ------------------------------------------------------------------------------------------

MAX_RANGE = 10_000
"""The most numbers a template's `range` gives (Jinja's sandbox allows 100 000, and loops nest)."""
MAX_SIZE = 1_000_000
"""The most characters (or items) of a string or list a template makes with an operator, method or filter."""
MAX_EXPONENT = 1_000
"""The largest exponent of `**` in a template."""
MAX_POWER_BITS = 65_536
"""The most bits of a whole number `**` makes in a template (some 20 000 digits)."""
RENDER_TIME_LIMIT = float(os.environ.get("PARAPHE_DELAI_RENDU", "60"))
"""Seconds a template's render may last before it is stopped (environment variable PARAPHE_DELAI_RENDU)."""


class ResourceLimit(SecurityError):
    """A template asked for more than its limits (a range, a string, an exponent too large)."""


class RenderTimeLimit(SecurityError):
    """A template's render lasted more than `RENDER_TIME_LIMIT` seconds (raised in the rendering thread)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or f"le rendu du modèle dépasse {RENDER_TIME_LIMIT:g} s et a été arrêté "
                                    "(boucles imbriquées ?)")


def _too_large(what: str, size: int) -> ResourceLimit:
    return ResourceLimit(f"{what} trop grand pour un modèle ({size} éléments demandés, {MAX_SIZE} au plus)")


def bounded_range(*args: int) -> range:
    """Return `range(*args)` when it gives at most `MAX_RANGE` numbers; raise ResourceLimit otherwise."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise ResourceLimit(f"range trop grand pour un modèle ({len(numbers)} nombres, {MAX_RANGE} au plus)")
    return numbers


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _check_binop(operator_: str, left: Any, right: Any) -> None:
    """Raise ResourceLimit when `left operator right` would make a string or list, or a number, too large."""
    if operator_ == "*":
        for sequence, count in ((left, right), (right, left)):
            size = _sized(sequence)
            if size is not None and isinstance(count, int) and size * count > MAX_SIZE:
                raise _too_large("texte ou liste", size * count)
    elif operator_ == "**":
        if isinstance(right, (int, float, Decimal)) and not (isinstance(left, (int, float, Decimal))
                                                            and abs(left) <= 1):
            bits = abs(left).bit_length() if isinstance(left, int) else 1
            if abs(right) > MAX_EXPONENT or abs(right) * bits > MAX_POWER_BITS:
                raise ResourceLimit(f"exposant trop grand pour un modèle ({right} : nombre de plus de "
                                    f"{MAX_POWER_BITS} bits)")
    elif operator_ == "+":
        left_size, right_size = _sized(left), _sized(right)
        if left_size is not None and right_size is not None and left_size + right_size > MAX_SIZE:
            raise _too_large("texte ou liste", left_size + right_size)
    elif operator_ == "%" and isinstance(left, str):
        _check_format(left, right if isinstance(right, tuple) else (right,))


_WIDE_NUMBER = re.compile(r"\d{%d,}" % len(str(MAX_SIZE)))


def _check_format(template: str, arguments) -> None:
    """Raise ResourceLimit when a format string (`%` or `str.format`) could make a string too large."""
    if _WIDE_NUMBER.search(template):
        raise ResourceLimit("largeur ou précision trop grande dans un format de modèle")
    if ("*" in template or "{" in template) and any(isinstance(a, int) and abs(a) > MAX_SIZE for a in arguments):
        raise ResourceLimit("largeur ou précision trop grande dans un format de modèle")


def _check_join(separator: str, items: list) -> None:
    size = sum(len(str(i)) for i in items) + max(len(items) - 1, 0) * len(separator)
    if size > MAX_SIZE:
        raise _too_large("texte", size)


def _check_width(width: Any) -> None:
    if isinstance(width, int) and width > MAX_SIZE:
        raise _too_large("texte", width)


def _replaced_size(text: str, old: str, new: str, count: int = -1) -> int:
    occurrences = text.count(old) if old else len(text) + 1
    if count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * max(len(new) - len(old), 0)


def _check_str_method(method: Any, args: tuple, kwargs: dict) -> tuple:
    """Check a call of a sized string method before it is made; return its arguments (a join's items listed)."""
    name, text = method.__name__, method.__self__
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _check_width(args[0])
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabsize, int) and len(text) * tabsize > MAX_SIZE:
            raise _too_large("texte", len(text) * tabsize)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        size = _replaced_size(text, args[0], args[1], args[2] if len(args) > 2 and isinstance(args[2], int) else -1)
        if size > MAX_SIZE:
            raise _too_large("texte", size)
    elif name == "join" and args:
        items = list(args[0]) if not isinstance(args[0], (list, tuple)) else args[0]
        _check_join(text, items)
        return (items, *args[1:])
    elif name in ("format", "format_map"):
        _check_format(text, (*args, *kwargs.values()))
    return args


_SIZED_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "format",
                                "format_map"})


def _bounded_filter(name: str):
    """Return Jinja's filter `name` checking its size arguments first."""
    original = FILTERS[name]

    if name == "center":
        def checked(value, width=80):
            _check_width(width)
            return original(value, width)
    elif name == "indent":
        def checked(s, width=4, *args, **kwargs):
            indent = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
            size = indent * (str(s).count("\n") + 1) + len(str(s))
            if size > MAX_SIZE:
                raise _too_large("texte", size)
            return original(s, width, *args, **kwargs)
    elif name == "replace":
        @pass_eval_context
        def checked(eval_ctx, s, old, new, count=None):
            size = _replaced_size(str(s), str(old), str(new), -1 if count is None else count)
            if size > MAX_SIZE:
                raise _too_large("texte", size)
            return original(eval_ctx, s, old, new, count)
    elif name == "join":
        @pass_eval_context
        def checked(eval_ctx, value, d="", attribute=None):
            items = list(value)
            _check_join(str(d), items if attribute is None else [0] * len(items))
            return original(eval_ctx, items, d, attribute)
    elif name == "format":
        def checked(value, *args, **kwargs):
            _check_format(str(value), (*args, *kwargs.values()))
            return original(value, *args, **kwargs)
    else:
        raise ValueError(name)
    checked.__name__ = checked.__qualname__ = f"bounded_{name}"
    return checked


@dataclass(eq=False)
class _Watch:
    """One render in progress: when its time runs out, the thread rendering it, whether it was stopped."""

    deadline: float
    thread_id: int
    stopped: bool = False


class _RenderWatchdog:
    """Stops the renders that last too long: one thread holding the deadlines of the renders in progress, which
    raises RenderTimeLimit in a render's thread when its deadline passes (Python's asynchronous exception, at
    the thread's next bytecode: it costs a render nothing while it runs)."""

    def __init__(self):
        self._condition = threading.Condition()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None

    def start(self, limit: float) -> _Watch:
        """Watch the render this thread starts: it is stopped if it lasts more than `limit` seconds."""
        watch = _Watch(time.monotonic() + limit, threading.get_ident())
        with self._condition:
            if not self._watches or watch.deadline < min(w.deadline for w in self._watches):
                self._condition.notify()  # the watchdog sleeps until the first deadline it knows
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="paraphe-render-watchdog")
                self._thread.start()
        return watch

    def stop(self, watch: _Watch) -> bool:
        """End a render's watch; tell whether its time ran out (an exception not raised yet is withdrawn)."""
        with self._condition:
            self._watches.discard(watch)
            if watch.stopped:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread_id), None)
            return watch.stopped

    def _run(self) -> None:
        with self._condition:
            while True:
                if not self._watches:
                    self._condition.wait()
                    continue
                now = time.monotonic()
                first = min(w.deadline for w in self._watches)
                if first > now:
                    self._condition.wait(first - now)
                    continue
                for watch in [w for w in self._watches if w.deadline <= now]:
                    watch.stopped = True
                    self._watches.discard(watch)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread_id),
                                                               ctypes.py_object(RenderTimeLimit))


_WATCHDOG = _RenderWatchdog()


class _LimitedTemplate(Template):
    """A template whose renders are stopped past `RENDER_TIME_LIMIT` seconds (RenderTimeLimit)."""

    def render(self, *args, **kwargs) -> str:
        watch = _WATCHDOG.start(RENDER_TIME_LIMIT)
        try:
            result = super().render(*args, **kwargs)
        finally:
            ran_out = _WATCHDOG.stop(watch)
        if ran_out:
            raise RenderTimeLimit()
        return result

    def generate(self, *args, **kwargs):
        watch = _WATCHDOG.start(RENDER_TIME_LIMIT)
        try:
            yield from super().generate(*args, **kwargs)
        finally:
            ran_out = _WATCHDOG.stop(watch)
        if ran_out:
            raise RenderTimeLimit()


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

    @optimizeconst
    def visit_Concat(self, node, frame) -> None:
        """Compile `a ~ b` as Jinja does, its size checked first (`environment.checked_concat`)."""
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"environment.checked_concat({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `a ~ b` checked for size (for an environment without `print_value`)."""

    visit_Concat = _OutputCodeGenerator.visit_Concat


class _Environment(SandboxedEnvironment):
    """The sandboxed environment, deciding once per type and name whether an attribute is safe.

    Jinja's sandbox decides from the object's type and the attribute's name only (`is_safe_attribute`), and
    treats specially only `str.format` methods (`wrap_str_format`): an attribute found safe and holding plain
    data (nothing callable) is read directly the next times it is asked of an object of that type. A CRTE
    document reads some 2 500 attributes of its content, where the sandbox's checks took a fifth of the render.
    """

    code_generator_class = _OutputCodeGenerator
    template_class = _LimitedTemplate
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.finalize is not _finalize:  # `print_value` finalizes with `_finalize`
            self.code_generator_class = _LimitedCodeGenerator
        self._safe_attributes: dict[tuple[type, str], bool] = {}
        self._plain_attributes: set[tuple[type, str]] = set()
        self.globals["range"] = bounded_range
        for name in ("center", "indent", "replace", "join", "format"):
            self.filters[name] = _bounded_filter(name)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if (isinstance(getattr(__obj, "__self__", None), str)  # a method of a string, or of Markup
                and getattr(__obj, "__name__", None) in _SIZED_STR_METHODS):
            args = _check_str_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any):
        """The sandbox's `str.format` and `format_map`, their widths checked first."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if value.__name__ == "format_map" and args and isinstance(args[0], dict) else {}
            _check_format(text, (*args, *mapping.values(), *kwargs.values()))
            return wrapper(*args, **kwargs)

        return checked

    @staticmethod
    def checked_concat(join, parts: tuple) -> str:
        """Return `join(parts)` (`a ~ b` in a template) when the result stays within `MAX_SIZE`."""
        if sum(len(p) if isinstance(p, str) else 0 for p in parts) > MAX_SIZE:
            raise _too_large("texte", sum(len(p) if isinstance(p, str) else 0 for p in parts))
        return join(parts)

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
        if type(value) is int:  # a count, a year: digits, nothing to typeset nor escape
            return Markup(str(value))
        if type(value) is Fragment:  # rendered prose: its WordprocessingML, as `escape` gives it
            return Markup(value.xml)
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
        pour=french.pour,
        finit_par_convenu=french.finit_par_convenu,
        en_phrase=french.en_phrase,
        lien=markdown_link,
        texte_litteral=markdown_escape,
        prose=prose,
        ancre=ancre,
        ancre_signature=ancre_signature,
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
