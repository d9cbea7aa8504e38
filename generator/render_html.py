"""Render stage (web page): a kind's Jinja HTML template and the same context as its Word documents."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .exposants import EXPOSANT_DEBUT, EXPOSANT_FIN, sans_marques
from .french import typographie
from .jinja_env import PROSE_RENDERER_KEY, environment
from .prose import HtmlProseRenderer
from .provenance import Provenance
from .render_docx import RENDER_ERRORS, render_failure, template_stat

_NOT_TEXT = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<[^>]*>|\{\{.*?\}\}|\{%.*?%\}|"
                       r"\{#.*?#\})", re.S)


def typeset_template(source: str) -> str:
    """Return an HTML template whose own text has French typography (tags, CSS and Jinja left alone)."""
    return "".join(part if _NOT_TEXT.fullmatch(part) or not part.strip() else typographie(part)
                   for part in _NOT_TEXT.split(source))


@lru_cache(maxsize=32)
def _compiled(path: Path, modified_ns: int, size: int):
    """Return the page template typeset and compiled, once per process and per version of the file."""
    return environment().from_string(typeset_template(path.read_text(encoding="utf-8")))


def render_html(template_path: Path, context: dict[str, Any], origin: Provenance) -> bytes:
    """Return the UTF-8 bytes of a self-contained HTML page; raise TemplateProblem on failure."""
    stat = template_stat(template_path)
    full_context = dict(context)
    full_context[PROSE_RENDERER_KEY] = HtmlProseRenderer()
    full_context["provenance"] = origin
    try:
        page = _compiled(template_path, stat.st_mtime_ns, stat.st_size).render(full_context)
    except RENDER_ERRORS as exc:
        raise render_failure(template_path, exc) from exc
    return with_superscripts(with_scrolling_tables(with_level_headings(page))).encode("utf-8")


_TEXT_ONLY = re.compile(r"<title>.*?</title>|<[^>]*>", re.S)
"""Where a superscript cannot be written: inside a tag (an attribute), and in the page's title."""


def with_superscripts(page: str) -> str:
    """Return a page whose ordinals' marked letters are `<sup>` (tags and the title hold no mark)."""
    if EXPOSANT_DEBUT not in page:
        return page
    page = _TEXT_ONLY.sub(lambda match: sans_marques(match.group()) if EXPOSANT_DEBUT in match.group()
                          else match.group(), page)
    return page.replace(EXPOSANT_DEBUT, "<sup>").replace(EXPOSANT_FIN, "</sup>")


_HEADING = re.compile(r"<h([1-6])(\b[^>]*)>(.*?)</h\1>", re.S)


def with_level_headings(page: str) -> str:
    """Return a page whose heading levels never jump by more than one (an `###` written under a `#` becomes
    the level below its parent's), keeping every heading's place in the outline."""
    parents: list[tuple[int, int]] = []  # (level written, level given) of the open headings

    def relevel(match: re.Match) -> str:
        written = int(match[1])
        while parents and parents[-1][0] >= written:
            parents.pop()
        given = min(written, parents[-1][1] + 1) if parents else written
        parents.append((written, given))
        return f"<h{given}{match[2]}>{match[3]}</h{given}>"

    return _HEADING.sub(relevel, page)


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_CAPTION = re.compile(r"<caption>")


def with_scrolling_tables(page: str) -> str:
    """Return a page whose every table sits in its own scrolling region (named by the table's caption,
    reachable with the keyboard), so that a table wider than the screen never makes the page scroll."""
    count = 0

    def wrap(match: re.Match) -> str:
        nonlocal count
        count += 1
        table = match.group()
        if _CAPTION.search(table):
            caption_id = f"legende-tableau-{count}"
            table = _CAPTION.sub(f'<caption id="{caption_id}">', table, count=1)
            name = f'aria-labelledby="{caption_id}"'
        else:
            name = f'aria-label="Tableau {count}"'
        return f'<div class="tableau" role="region" tabindex="0" {name}>{table}</div>'

    return _TABLE.sub(wrap, page)
