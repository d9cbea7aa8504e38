"""Page flow: which paragraphs and table rows keep with what follows them, as a careful typesetter keeps them.

A page break is the layout engine's (Word's, LibreOffice's); what the document says is where one must not fall,
by the paragraph properties both engines honour: `w:keepNext` (the paragraph ends on the page where the next one
starts; on the paragraphs of a table row, the row stays with the next row) and `w:keepLines` (the paragraph's
lines stay on one page). The rules, written from the layout a professional would give a contract:

- an introduction ending with « : » never ends a page: it keeps with the list, paragraph or table it announces;
- a short box (an « encadré »: about half a page at most) stays on one page; a longer one may break, but leaves
  at least `EDGE_LINES` lines of it on each page;
- a short table (one that fits on a page) keeps its rows together, as Word does when every row but the last
  keeps with the next; a longer one may break, but never leaves its header rows with fewer than two rows of data
  at the bottom of a page, nor a lone row at the top of the next. Its title keeps with it by its style.

Heights are estimated from the text (`estimated_lines`): the rules need to tell a short box or table from a long
one, never to place a line.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

from ..caches import text_cache, text_store
from .writer import KEPT_TABLE_CHARACTERS, TableFitting, _cell_texts, _text_width, fitted_cells

BODY_HALF_POINTS = 21
"""The size of the body text the estimates assume for prose (10.5 pt, the templates' body text)."""
LINE_HEIGHT = 1.22
"""The height of a line of Carlito (the templates' font) as a multiple of its size, single-spaced."""
DEFAULT_LINE_WIDTH = 9638
"""The width of the text of an A4 page with margins of 2 cm (twips), when a template does not say."""
DEFAULT_PAGE_HEIGHT = 13958
"""The height of the text of an A4 portrait page with margins of 2.54 cm (twips), when a template does not say."""
BOX_INDENTS = 600
"""What a box's indents, border and padding take from the width of its lines (twips)."""
SHORT_BOX_LINES = 24
"""A box of at most this many lines of body text (about half a page) is never split across pages."""
EDGE_LINES = 3
"""The fewest lines of a long box left on either page where it breaks."""
SHORT_TABLE_SHARE = 0.85
"""A table whose estimated height is at most this share of its page's text height fits on a page: its rows are
kept together (the estimate errs on the tall side; the margin covers what it misses)."""
KEPT_DATA_ROWS = 2
"""The fewest rows of data a long table shows under its header rows before a page break, and after one."""

_INTRODUCTION_END = re.compile(r":[\s\u00a0\u202f]*$")

KEEP_NEXT, KEEP_LINES = "<w:keepNext/>", "<w:keepLines/>"


def estimated_lines(text: str, width: int, half_points: int = BODY_HALF_POINTS) -> int:
    """Return the number of lines a paragraph of `text` takes in a column `width` twips wide (at least one)."""
    width = max(width, 1)
    return sum(max(1, math.ceil(_text_width(line.strip(), half_points, False) / width)) if line.strip() else 1
               for line in text.split("\n"))


def introduces(text: str) -> bool:
    """Tell whether a paragraph's text announces what follows it (it ends with « : »)."""
    return bool(_INTRODUCTION_END.search(text))


def block_keeps(texts: Sequence[str], boxed: Sequence[bool], line_width: int | None = None
                ) -> list[tuple[bool, bool]]:
    """Return (keep with next, keep lines together) for each paragraph of a piece of prose, given their texts
    and whether each is part of a box (consecutive boxed paragraphs make one box)."""
    width = line_width or DEFAULT_LINE_WIDTH
    keeps = [[introduces(text), False] for text in texts]
    start = 0
    while start < len(texts):
        if not boxed[start]:
            start += 1
            continue
        end = start
        while end < len(texts) and boxed[end]:
            end += 1
        _keep_box(keeps, [estimated_lines(texts[i], width - BOX_INDENTS) for i in range(start, end)], start)
        start = end
    return [(next_, lines) for next_, lines in keeps]


def _keep_box(keeps: list[list[bool]], lines: list[int], start: int) -> None:
    """Set the keeps of the paragraphs of one box, from `start`, whose estimated lines are `lines`."""
    count = len(lines)
    if sum(lines) <= SHORT_BOX_LINES:
        for offset in range(count):
            keeps[start + offset][0] = keeps[start + offset][0] or offset < count - 1
            keeps[start + offset][1] = True
        return
    # its head: each paragraph keeps with the next while the lines from the box's start to its end are fewer
    # than EDGE_LINES (the next paragraph's first lines, at least two with orphan control, make up the rest)
    seen = 0
    for offset in range(count - 1):
        seen += lines[offset]
        if seen >= EDGE_LINES:
            break
        keeps[start + offset][0] = keeps[start + offset][1] = True
    # its tail: likewise from the box's end, the paragraph before each kept with it
    seen = 0
    for offset in range(count - 1, 0, -1):
        seen += lines[offset]
        if seen >= EDGE_LINES:
            break
        keeps[start + offset][1] = True
        keeps[start + offset - 1][0] = True


# --- tables ---------------------------------------------------------------------------------------------------

_CELL_WIDTH = re.compile(r'<w:tcW [^>]*?w:w="(\d+)"')
_CELL_PADDING = 60
"""The height a row adds to its tallest cell's lines: borders and the cells' top and bottom margins (twips)."""


def _row_heights(rows: list[str], fitting: TableFitting) -> list[int]:
    """Return the estimated height of each table row's XML (twips): its tallest cell."""
    known = _ROW_HEIGHTS.setdefault(fitting, {})  # a CRTE's fiches repeat their header rows, « Total 0 € »…
    if len(known) > _KNOWN_CELLS:
        known.clear()
    heights = []
    for row in rows:
        height = known.get(row)
        if height is None:
            height = known[row] = _row_height(row, fitting)
        heights.append(height)
    return heights


def _row_height(row: str, fitting: TableFitting) -> int:
    """Return the estimated height of a table row's XML (twips): its tallest cell."""
    known = _CELL_HEIGHTS.setdefault(fitting, {})  # a CRTE's fiches repeat their header cells, « 0 € »…
    if len(known) > _KNOWN_CELLS:
        known.clear()
    tallest = 0.0
    for cell in row.split("</w:tc>")[:-1]:
        height = known.get(cell)
        if height is None:
            height = known[cell] = _cell_height(cell, fitting)
        if height > tallest:
            tallest = height
    return int(tallest) + _CELL_PADDING


_ROW_HEIGHTS: dict[TableFitting, dict[str, int]] = text_store({})
_CELL_HEIGHTS: dict[TableFitting, dict[str, float]] = text_store({})
_KNOWN_CELLS = 20_000
"""The most row heights, and cell heights, kept per table fitting (a batch renders many contracts)."""


def _cell_height(cell: str, fitting: TableFitting) -> float:
    """Return the estimated height of the text of a table cell's XML (twips)."""
    width = _CELL_WIDTH.search(cell)
    end = cell.find("</w:tcPr>")
    return _text_height(cell[end + 9 :] if end >= 0 else cell,
                        (int(width.group(1)) if width else fitting.text_width // 4), fitting,
                        _CELL_LINES.setdefault(fitting, {}))


def _text_height(content: str, width: int, fitting: TableFitting, known: dict[str, tuple]) -> float:
    """Return the estimated height of the text of a cell `width` twips wide whose XML after its properties is
    `content` (twips); `known` keeps `_cell_lines` of the texts met with `fitting`."""
    lines = known.get(content)
    if lines is None:
        if len(known) > _KNOWN_CELLS:
            known.clear()
        lines = known[content] = _cell_lines(content, fitting)
    column = max(width - 2 * 108, 1)
    unbroken, widest, paragraphs = lines
    if column >= widest:  # no line breaks: each of its lines is one (`estimated_lines`)
        return unbroken
    height = 0.0
    for size, widths in paragraphs:
        height += sum(max(1, math.ceil(width / column)) if width else 1 for width in widths) * size * 10 * LINE_HEIGHT
    return height


def _cell_lines(content: str, fitting: TableFitting) -> tuple[float, int, tuple[tuple[int, tuple[int, ...]], ...]]:
    """Return what the height of a cell's text needs, from the XML after its properties: its height when none of
    its lines breaks (twips), the width of its widest line, and the size of each paragraph with the widths of its
    lines (0 for a blank one), as `estimated_lines` measures them."""
    paragraphs = []
    unbroken = 0.0
    widest = 0
    for style, text in _cell_texts(content):
        size, _ = fitting.size_of(style)
        widths = tuple(_text_width(line, size, False) if (line := part.strip()) else 0 for part in text.split("\n"))
        paragraphs.append((size, widths))
        unbroken += len(widths) * size * 10 * LINE_HEIGHT
        widest = max(widest, *widths)
    return unbroken, widest, tuple(paragraphs)


_CELL_LINES: dict[TableFitting, dict[str, tuple]] = text_store({})
"""`_cell_lines` of the cells met, per table fitting."""


def kept_rows(heights: Sequence[int], header_rows: int, page_height: int) -> list[bool]:
    """Return, for each row of a table, whether it keeps with the next row: every row but the last when the
    table fits on a page (`heights`, in twips, at most `SHORT_TABLE_SHARE` of `page_height`); else the header
    rows and the first rows of data (`KEPT_DATA_ROWS` of them stay under the header), and the rows before the
    last `KEPT_DATA_ROWS`."""
    count = len(heights)
    if sum(heights) <= SHORT_TABLE_SHARE * page_height:
        return [index < count - 1 for index in range(count)]
    head = header_rows + KEPT_DATA_ROWS - 1  # rows 0…head-1 keep with the next: head + 1 rows together
    tail = count - KEPT_DATA_ROWS  # rows tail…count-2 keep with the next: the last ones together
    return [index < count - 1 and (index < head or index >= tail) for index in range(count)]


_PARAGRAPH_START = re.compile(
    r'<w:p(?: [^>]*[^/])?>(<w:pPr>(?:<w:pStyle w:val="[^"]*"/>)?|<w:pPr/>)?|<w:p(?: [^>]*)?/>')
"""The start of a paragraph, up to where `w:keepNext` goes in its properties (after its style), or an empty
paragraph."""


def with_keep_next(xml: str) -> str:
    """Return paragraphs' XML (a paragraph, a table row) with `w:keepNext` in the properties of each paragraph
    (where the schema puts it: after the paragraph's style)."""
    def keep(match: re.Match) -> str:
        start, properties = match.group(), match.group(1)
        if start.endswith("/>") and properties is None:  # an empty paragraph
            return start[:-2] + "><w:pPr>" + KEEP_NEXT + "</w:pPr></w:p>"
        if properties is None or properties == "<w:pPr/>":
            return start[: len(start) - len(properties or "")] + "<w:pPr>" + KEEP_NEXT + "</w:pPr>"
        return start if xml.startswith("<w:keepNext", match.end()) else start + KEEP_NEXT

    return _PARAGRAPH_START.sub(keep, xml)


def keep_table_rows(xml: str, fitting: TableFitting, page_height: int | None = None) -> str:
    """Return the XML of a rendered table (one, with no table in its cells; anything else is returned as it is)
    with `w:keepNext` on the paragraphs of the rows `kept_rows` keeps with the next. Kept per contract, as
    `writer.fit_table_text` keeps the tables it fits (not those of more than `KEPT_TABLE_CHARACTERS`)."""
    if len(xml) > KEPT_TABLE_CHARACTERS:
        return _kept_table_rows.__wrapped__(xml, fitting, page_height or DEFAULT_PAGE_HEIGHT)
    return _kept_table_rows(xml, fitting, page_height or DEFAULT_PAGE_HEIGHT)


@text_cache(maxsize=2048)
def _kept_table_rows(xml: str, fitting: TableFitting, page_height: int) -> str:
    fitted = fitted_cells(xml)  # what the fitting read of its rows and cells, when it wrote the table
    if fitted is not None:
        rows, cells = fitted
        known = _CELL_LINES.setdefault(fitting, {})
        heights = [int(max([_text_height(text, width, fitting, known) for text, width in row], default=0.0)) +
                   _CELL_PADDING for row in cells]
        head_end = xml.index("<w:tr")
        tail = "</w:tbl>"
    else:
        if xml.count("<w:tbl>") != 1 or "<w:tr" not in xml:
            return xml
        head_end = xml.index("<w:tr")
        *rows, tail = xml[head_end:].split("</w:tr>")
        heights = None
    if len(rows) < 2:
        return xml
    header_rows = 0
    for row in rows:
        properties = row[: row.find("<w:tc")] if "<w:tc" in row else row
        if "<w:tblHeader/>" not in properties and "<w:tblHeader " not in properties:
            break
        header_rows += 1
    keeps = kept_rows(heights if heights is not None else _row_heights(rows, fitting), header_rows, page_height)
    out = [xml[:head_end]]
    for row, keep in zip(rows, keeps):
        out.append(_kept_row(row) if keep else row)
        out.append("</w:tr>")
    out.append(tail)
    return "".join(out)


_kept_row = text_cache(maxsize=8192)(with_keep_next)
"""`with_keep_next` of a table row, kept per contract (its fiches repeat rows)."""
