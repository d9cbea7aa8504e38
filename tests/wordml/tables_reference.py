"""Table fitting on a table's text (`writer.fit_table_text`) and its rows kept together (`flow.keep_table_rows`)
as they worked before issue 23's second pass (session 5): the reference their output must equal, byte for byte,
whatever the table. Not part of the engine; it takes from it only what that pass left as it was (the widths'
arithmetic, the keeps of a table's rows, the measures' dataclasses and constants)."""

from __future__ import annotations

import math
import re
from typing import Iterator

from generator.wordml.flow import DEFAULT_PAGE_HEIGHT, LINE_HEIGHT, kept_rows
from generator.wordml.writer import (_DEFAULT_CELL_MARGIN, _SAFETY, ADDRESS, CellNeeds, ColumnNeeds, TableFitting,
                                     _char_width, _needs_address_breaks, with_address_breaks)

# --- writer: the measures of a cell's text ----------------------------------------------------------------------


def text_width(text: str, half_points: int, bold: bool) -> int:
    """The estimated width of a line of text in twips."""
    thousandths = sum(map(_char_width, text))
    return int(thousandths * half_points * 10 / 1000 * (1.04 if bold else 1) * _SAFETY) + 1


_BREAKS = re.compile(r"[ \t\u200b]+|(?<=-)")


def line_needs(line: str, size: int, bold: bool) -> CellNeeds:
    """The needs of one line of a cell's text."""
    word = piece = amount = 0
    may_hold_address = "@" in line or "://" in line or "www." in line
    for token in _BREAKS.split(line):
        if not token:
            continue
        width = text_width(token, size, bold)
        word = max(word, width)
        if token[0].isdigit():
            amount = max(amount, width)
        if may_hold_address and ADDRESS.search(token):
            width = max(text_width(part, size, bold) for part in _BREAKS.split(with_address_breaks(token)) if part)
        piece = max(piece, width)
    return CellNeeds(word, text_width(line, size, bold), piece, amount)


_TEXT_SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"/>')
_TEXT_PARAGRAPH = re.compile(r"<w:p>.*?</w:p>|<w:p [^>]*[^/]>.*?</w:p>|<w:p(?: [^>]*)?/>", re.S)
_TEXT_STYLE = re.compile(r'<w:pStyle w:val="([^"]*)"/>')
_TEXT_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(br|tab)\b[^>]*/>")
_TEXT_CELL_WIDTH = re.compile(r"<w:tcW [^>]*/>")
_TEXT_TABLE_WIDTH = re.compile(r"<w:tblW [^>]*/>")
_TEXT_LAYOUT = re.compile(r"<w:tblLayout [^>]*/>")
_TEXT_AFTER_LAYOUT = re.compile(r"<w:tblCellMar\b|<w:tblLook\b|<w:tblCaption\b|<w:tblDescription\b|</w:tblPr>")
_TEXT_GRID = re.compile(r"<w:tblGrid>.*?</w:tblGrid>|<w:tblGrid/>", re.S)
_TEXT_CELL_MARGIN = re.compile(r'<w:tblCellMar>.*?</w:tblCellMar>', re.S)
_TEXT_MARGIN_SIDE = re.compile(r'<w:(?:left|start|right|end) w:w="(\d+)"')
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ENTITY = re.compile("|".join(_ENTITIES))


def cell_paragraphs(cell: str) -> Iterator[tuple[str | None, str]]:
    """The style id and the text of each paragraph of a table cell's XML."""
    for paragraph in _TEXT_PARAGRAPH.findall(cell):
        style = _TEXT_STYLE.search(paragraph)
        text = "".join(match.group(1) if match.group(2) is None else "\n" if match.group(2) == "br" else " "
                       for match in _TEXT_RUN_TEXT.finditer(paragraph))
        if "&" in text:
            text = _ENTITY.sub(lambda match: _ENTITIES[match.group()], text)
        yield (style.group(1) if style else None), text


def cell_texts(cell: str) -> tuple[tuple[str | None, str], ...]:
    """`cell_paragraphs` of what follows the cell's properties."""
    end = cell.find("</w:tcPr>")
    return tuple(cell_paragraphs(cell[end + 9 :] if end >= 0 else cell))


def text_cell_needs(cell: str, fitting: TableFitting) -> CellNeeds:
    """The needs of a cell's text, read from its XML."""
    needs = CellNeeds()
    for style, text in cell_texts(cell):
        size, bold = fitting.size_of(style)
        for line in text.split("\n"):
            line = line.strip()
            if line:
                needs |= line_needs(line, size, bold)
    return needs


def column_needs(rows, count: int, margins: int, measure) -> ColumnNeeds:
    """What each of `count` columns needs, from `rows` of (cell, columns spanned)."""
    single: list[list[CellNeeds]] = [[] for _ in range(count)]
    spanning = []
    for row in rows:
        column = 0
        for cell, span in row:
            if span == 1:
                if column < count:
                    single[column].append(measure(cell))
            elif span > 1:
                cell_needs = measure(cell)
                spanning.append((column, span, cell_needs.word + margins, cell_needs.piece + margins))
            column += span
    needs = ColumnNeeds(
        [max(0, max([n.word for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max([n.line for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max([n.piece for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max(amounts) + margins) if (amounts := [n.amount for n in cells if n.amount]) else 0
         for cells in single])
    for column, span, word, piece in spanning:
        for wanted, columns in ((word, needs.minimums), (piece, needs.pieces)):
            covered = columns[column : column + span]
            if sum(covered) < wanted:
                for c in range(column, min(column + span, count)):
                    columns[c] += (wanted - sum(covered)) // len(covered) + 1
    return needs


def fit_table_text(xml: str, fitting: TableFitting) -> str | None:
    """A rendered table with its columns fitted, worked out on its text; None for a table of another shape."""
    xml = xml.strip()
    if not (xml.startswith("<w:tbl><w:tblPr>") and xml.endswith("</w:tr></w:tbl>")) or xml.count("<w:tbl>") != 1:
        return None
    head_end = xml.index("<w:tr")
    head = xml[:head_end]
    rows = []
    for row in xml[head_end : -len("</w:tbl>")].split("</w:tr>")[:-1]:
        cells = []
        for cell in row.split("</w:tc>")[:-1]:
            if "<w:tcW " not in cell or "<w:tc>" not in cell:
                return None
            span = _TEXT_SPAN.search(cell) if "<w:gridSpan " in cell else None
            cells.append((cell[cell.index("<w:tc>") + 6 :], int(span.group(1)) if span else 1))
        rows.append(cells)
    count = max((sum(span for _, span in row) for row in rows), default=0)
    table_width = _TEXT_TABLE_WIDTH.search(head)
    if not count or table_width is None:
        return None
    margins_xml = _TEXT_CELL_MARGIN.search(head) if "<w:tblCellMar>" in head else None
    sides = _TEXT_MARGIN_SIDE.findall(margins_xml.group()) if margins_xml else []
    margins = (sum(map(int, sides)) if len(sides) == 2 else 2 * _DEFAULT_CELL_MARGIN) + 30
    known = {}
    for row in rows:
        for cell, _ in row:
            if cell not in known:
                known[cell] = text_cell_needs(cell, fitting)
    widths = column_needs(rows, count, margins, known.__getitem__).widths(fitting.text_width)
    edges = [0]
    for width in widths:
        edges.append(edges[-1] + width)
    if ("@" in xml or "://" in xml or "www." in xml) and any(
            _needs_address_breaks(known[cell],
                                  edges[min(column + span, count)] - edges[column] - margins)
            for (cell, _), (column, span) in zip((cell for row in rows for cell in row), _spans(rows))):
        return None
    head = _TEXT_TABLE_WIDTH.sub(f'<w:tblW w:type="dxa" w:w="{fitting.text_width}"/>', head, count=1)
    layout = '<w:tblLayout w:type="fixed"/>'
    if "<w:tblLayout " in head:
        head = _TEXT_LAYOUT.sub(layout, head, count=1)
    else:
        at = _TEXT_AFTER_LAYOUT.search(head)
        head = head[: at.start()] + layout + head[at.start() :]
    grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    head, replaced = _TEXT_GRID.subn(grid, head, count=1)
    if not replaced:
        return None
    out = [head]
    body = xml[head_end:]
    widths_of_cells = iter([edges[min(column + span, count)] - edges[column] for column, span in _spans(rows)])
    out.append(_TEXT_CELL_WIDTH.sub(lambda _: f'<w:tcW w:type="dxa" w:w="{next(widths_of_cells)}"/>', body))
    return "".join(out)


def _spans(rows):
    for row in rows:
        column = 0
        for _, span in row:
            yield column, span
            column += span


# --- flow: the heights of a table's rows and the keeps of its paragraphs ---------------------------------------


def estimated_lines(text: str, width: int, half_points: int) -> int:
    """The number of lines a paragraph of `text` takes in a column `width` twips wide."""
    width = max(width, 1)
    return sum(max(1, math.ceil(text_width(line.strip(), half_points, False) / width)) if line.strip() else 1
               for line in text.split("\n"))


_CELL_WIDTH = re.compile(r'<w:tcW [^>]*?w:w="(\d+)"')
_CELL_PADDING = 60


def row_heights(rows: list[str], fitting: TableFitting) -> list[int]:
    """The estimated height of each table row's XML: its tallest cell."""
    heights = []
    for row in rows:
        tallest = 0.0
        for cell in row.split("</w:tc>")[:-1]:
            tallest = max(tallest, cell_height(cell, fitting))
        heights.append(int(tallest) + _CELL_PADDING)
    return heights


def cell_height(cell: str, fitting: TableFitting) -> float:
    """The estimated height of the text of a table cell's XML."""
    width = _CELL_WIDTH.search(cell)
    column = (int(width.group(1)) if width else fitting.text_width // 4) - 2 * 108
    height = 0.0
    for style, text in cell_texts(cell):
        size, _ = fitting.size_of(style)
        height += estimated_lines(text, column, size) * size * 10 * LINE_HEIGHT
    return height


_PARAGRAPH_START = re.compile(
    r'<w:p(?: [^>]*[^/])?>(<w:pPr>(?:<w:pStyle w:val="[^"]*"/>)?|<w:pPr/>)?|<w:p(?: [^>]*)?/>')
KEEP_NEXT = "<w:keepNext/>"


def with_keep_next(xml: str) -> str:
    """Paragraphs' XML with `w:keepNext` in the properties of each paragraph."""
    def keep(match: re.Match) -> str:
        start, properties = match.group(), match.group(1)
        if start.endswith("/>") and properties is None:
            return start[:-2] + "><w:pPr>" + KEEP_NEXT + "</w:pPr></w:p>"
        if properties is None or properties == "<w:pPr/>":
            return start[: len(start) - len(properties or "")] + "<w:pPr>" + KEEP_NEXT + "</w:pPr>"
        return start if xml.startswith("<w:keepNext", match.end()) else start + KEEP_NEXT

    return _PARAGRAPH_START.sub(keep, xml)


def keep_table_rows(xml: str, fitting: TableFitting, page_height: int | None = None) -> str:
    """A rendered table with `w:keepNext` on the paragraphs of the rows `kept_rows` keeps with the next."""
    if xml.count("<w:tbl>") != 1 or "<w:tr" not in xml:
        return xml
    head_end = xml.index("<w:tr")
    *rows, tail = xml[head_end:].split("</w:tr>")
    if len(rows) < 2:
        return xml
    header_rows = 0
    for row in rows:
        properties = row[: row.find("<w:tc")] if "<w:tc" in row else row
        if "<w:tblHeader/>" not in properties and "<w:tblHeader " not in properties:
            break
        header_rows += 1
    keeps = kept_rows(row_heights(rows, fitting), header_rows, page_height or DEFAULT_PAGE_HEIGHT)
    out = [xml[:head_end]]
    for row, keep in zip(rows, keeps):
        out.append(with_keep_next(row) if keep else row)
        out.append("</w:tr>")
    out.append(tail)
    return "".join(out)
