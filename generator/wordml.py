"""The only layer of Paraphe that touches WordprocessingML.

Everything else speaks in paragraphs, runs, lists, tables, links and fields, through `WordWriter`; this module
turns them into python-docx proxy objects and, where python-docx has no API (hyperlinks, fields, restarting a
numbered list), into oxml elements. A `Fragment` is a run of block elements built here that a docxtpl template
inserts with `{{p … }}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from docx.document import Document as DocxDocument
from docx.document import _Body
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

# XML 1.0 forbids these characters; a vertical tab pasted from Word would corrupt the document.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Return text without the characters XML 1.0 forbids (control characters, NUL, lone surrogates)."""
    return XML_FORBIDDEN.sub("", text)


@dataclass
class Inline:
    """A piece of text with its character styles, or a link to `url`."""

    text: str
    styles: tuple[str, ...] = ()
    url: str | None = None
    is_line_break: bool = False


@dataclass
class Fragment:
    """Block elements (paragraphs, tables) ready to replace a `{{p … }}` paragraph of a docxtpl template."""

    elements: list = field(default_factory=list)

    def __html__(self) -> str:
        return "".join(etree.tostring(e, encoding="unicode") for e in self.elements)

    def __str__(self) -> str:
        return self.__html__()

    @property
    def text(self) -> str:
        """Return the plain text of the fragment, paragraphs separated by new lines (for tests and previews)."""
        return "\n".join("".join(t.text or "" for t in e.iter(qn("w:t"))) for e in self.elements)


class WordWriter:
    """Builds Word content for one document: styles by name, numbering, relationships all resolved in it."""

    def __init__(self, document: DocxDocument):
        self.document = document
        self.part = document.part
        self._style_ids: dict[tuple[str, int], str] = {}

    # --- styles -------------------------------------------------------------------------------------------

    def has_style(self, name: str) -> bool:
        return any(s.name == name for s in self.document.styles)

    def _style_id(self, name: str, kind: int) -> str:
        key = (name, kind)
        if key not in self._style_ids:
            self._style_ids[key] = self.part.get_style_id(name, kind)
        return self._style_ids[key]

    # --- building fragments -------------------------------------------------------------------------------

    def new_fragment(self) -> "FragmentBuilder":
        return FragmentBuilder(self)

    def _new_list_num(self, style_name: str) -> int:
        """Return a new numbering instance for the list style's definition, restarting at 1."""
        style = self.document.styles[style_name]
        num_pr = style.element.pPr.numPr if style.element.pPr is not None else None
        if num_pr is None or num_pr.numId is None:
            raise ValueError(f"le style « {style_name} » n'a pas de numérotation")
        numbering = self.part.numbering_part.element
        abstract_id = numbering.num_having_numId(num_pr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId

    def hyperlink_rel(self, url: str) -> str:
        return self.part.relate_to(url, RT.HYPERLINK, is_external=True)


class FragmentBuilder:
    """Appends paragraphs and tables to a detached body, then hands them over as a `Fragment`."""

    def __init__(self, writer: WordWriter):
        self.writer = writer
        self._body = _Body(OxmlElement("w:body"), writer.document._body)

    def paragraph(self, style: str, inlines: Iterable[Inline] = ()) -> Paragraph:
        paragraph = self._body.add_paragraph()
        # python-docx looks a style name up among all styles for each paragraph; the writer caches the ids.
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = self.writer._style_id(
            style, WD_STYLE_TYPE.PARAGRAPH)
        self.add_inlines(paragraph, inlines)
        return paragraph

    def add_inlines(self, paragraph: Paragraph, inlines: Iterable[Inline]) -> None:
        for inline in inlines:
            if inline.is_line_break:
                paragraph.add_run().add_break()
            elif inline.url is not None:
                self._add_hyperlink(paragraph, inline)
            else:
                self._add_run(paragraph, inline.text, inline.styles)

    def _add_run(self, paragraph: Paragraph, text: str, styles: tuple[str, ...]) -> None:
        # Built directly: python-docx's Run.text parses the text character by character.
        run = OxmlElement("w:r")
        if styles:
            # Word allows one character style per run: the innermost style is applied, and the emphasis the
            # author asked for around it (bold around italics, say) is kept as the run's bold or italic toggle.
            rpr = run.get_or_add_rPr()
            rpr.style = self.writer._style_id(styles[-1], WD_STYLE_TYPE.CHARACTER)
            if "Strong" in styles[:-1]:
                rpr.get_or_add_b()
            if "Emphasis" in styles[:-1]:
                rpr.get_or_add_i()
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = xml_safe(text)
        run.append(t)
        paragraph._p.append(run)

    def _add_hyperlink(self, paragraph: Paragraph, inline: Inline) -> None:
        rel_id = self.writer.hyperlink_rel(inline.url)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rel_id)
        link.set(qn("w:history"), "1")
        paragraph._p.append(link)
        run = OxmlElement("w:r")
        link.append(run)
        rpr = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), self.writer._style_id("Hyperlink", WD_STYLE_TYPE.CHARACTER))
        rpr.append(style)
        run.append(rpr)
        text = OxmlElement("w:t")
        text.text = xml_safe(inline.text)
        text.set(qn("xml:space"), "preserve")
        run.append(text)

    def list_item(self, style: str, inlines: Iterable[Inline], num_id: int | None) -> Paragraph:
        """Add a list paragraph; `num_id` (from `restart_numbering`) makes a numbered list start again at 1."""
        paragraph = self.paragraph(style, inlines)
        if num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        return paragraph

    def restart_numbering(self, style: str) -> int:
        return self.writer._new_list_num(style)

    def toc(self, levels: tuple[int, int] = (1, 3), styles: dict[str, int] | None = None) -> None:
        """Add a table of contents field over the headings of `levels` and the paragraph `styles` (name →
        level); `fill_table_of_contents` fills it once the document is rendered, Word refreshes it."""
        instruction = f' TOC \\o "{levels[0]}-{levels[1]}" '
        if styles:
            instruction += '\\t "' + ",".join(f"{name},{level}" for name, level in styles.items()) + '" '
        paragraph = self.paragraph(f"toc {levels[0]}")
        for element in (_fld_char("begin"), _instr(instruction + "\\h \\z \\u "), _fld_char("separate"),
                        _fld_char("end")):
            paragraph._p.append(element)

    def table(self, rows: int, cols: int, style: str):
        table = self._body.add_table(rows, cols, self.writer.document._block_width)
        table.style = style
        return table

    def build(self) -> Fragment:
        return Fragment([e for e in self._body._element if e.tag != qn("w:sectPr")])


def _run_with(child) -> OxmlElement:
    run = OxmlElement("w:r")
    run.append(child)
    return run


def _fld_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return _run_with(element)


def _instr(text: str):
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    return _run_with(element)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a field (PAGE, NUMPAGES…) to a paragraph, showing `placeholder` until Word computes it."""
    p = paragraph._p
    p.append(_fld_char("begin"))
    p.append(_instr(f" {instruction} "))
    p.append(_fld_char("separate"))
    text = OxmlElement("w:t")
    text.text = placeholder
    p.append(_run_with(text))
    p.append(_fld_char("end"))


def ask_to_update_fields(document: DocxDocument) -> None:
    """Make Word refresh fields (the table of contents, page numbers) when it opens the document."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


def _borders(tag: str, sides, size: int, space: int):
    """Return a border element (w:pBdr, w:tblBorders) with a single line on each of `sides`."""
    borders = OxmlElement(tag)
    for side in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), str(space))
        edge.set(qn("w:color"), "auto")
        borders.append(edge)
    return borders


def set_paragraph_border(style, *, sides=("top", "left", "bottom", "right"), size: int = 6) -> None:
    """Give a paragraph style a box (for encadrés): template authoring only."""
    style.element.get_or_add_pPr().append(_borders("w:pBdr", sides, size, space=4))


def repeat_as_header_row(row) -> None:
    """Make a table row repeat at the top of every page the table runs on: template authoring only."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def set_table_style_borders(style, size: int = 4) -> None:
    """Give a table style single borders on every edge and inside: template authoring only."""
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    tbl_pr.append(_borders("w:tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), size, space=0))


_W_PPR, _W_PSTYLE, _W_VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")


def _heading_level(paragraph_element, heading_ids: dict[str, int]) -> int | None:
    # Plain lxml lookups: the document has thousands of paragraphs, python-docx's accessors are slow here.
    ppr = paragraph_element.find(_W_PPR)
    style = ppr.find(_W_PSTYLE) if ppr is not None else None
    return heading_ids.get(style.get(_W_VAL)) if style is not None else None


_TOC_LEVELS = re.compile(r'\\o\s+"(\d)-(\d)"')
_TOC_STYLES = re.compile(r'\\t\s+"([^"]*)"')


def _toc_styles(document: DocxDocument, instruction: str) -> dict[str, int]:
    """Return style id → TOC level for the headings and styles a TOC field instruction names."""
    names: dict[str, int] = {}
    levels = _TOC_LEVELS.search(instruction)
    low, high = (int(levels.group(1)), int(levels.group(2))) if levels else (1, 3)
    for level in range(low, high + 1):
        names[f"Heading {level}"] = level
    styles = _TOC_STYLES.search(instruction)
    if styles:
        parts = [p.strip() for p in styles.group(1).split(",")]
        for name, level in zip(parts[::2], parts[1::2]):
            names[name] = int(level)
    known = {s.name for s in document.styles}
    return {document.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH): level
            for name, level in names.items() if name in known}


def fill_table_of_contents(document: DocxDocument) -> int:
    """Fill the document's TOC field with its headings, as Word would; return the number of entries.

    Word recomputes the entries and their page numbers when it updates the field (the document asks it to on
    opening); until then, and in LibreOffice, the pre-filled titles are what the reader sees.
    """
    body = document.element.body
    instr = next((i for i in body.iter(qn("w:instrText")) if i.text and i.text.strip().startswith("TOC")), None)
    if instr is None:
        return 0
    heading_ids = _toc_styles(document, instr.text)
    toc_p = instr.getparent().getparent()
    entries = []
    for p in body.iter(qn("w:p")):
        level = _heading_level(p, heading_ids)
        if level is not None:
            text = "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
            if text:
                entries.append((level, text))
    if not entries:
        return 0
    # The field paragraph keeps its begin/instr/separate runs and gets the first entry's text; each further
    # entry is a paragraph of its own; the field's end moves to the last one.
    end_run = next(r for r in toc_p.iter(qn("w:r")) if r.find(qn("w:fldChar")) is not None
                   and r.find(qn("w:fldChar")).get(qn("w:fldCharType")) == "end")
    toc_p.remove(end_run)
    for t in list(toc_p.iter(qn("w:t"))):
        t.getparent().getparent().remove(t.getparent())
    style_ids = {level: document.part.get_style_id(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
                 for level in set(heading_ids.values())}
    toc_p.get_or_add_pPr().get_or_add_pStyle().val = style_ids[entries[0][0]]
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = xml_safe(entries[0][1])
    run.append(text)
    toc_p.append(run)
    previous = toc_p
    for level, title in entries[1:]:
        p = OxmlElement("w:p")
        p.get_or_add_pPr().get_or_add_pStyle().val = style_ids[level]
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = xml_safe(title)
        text.set(qn("xml:space"), "preserve")
        run.append(text)
        p.append(run)
        previous.addnext(p)
        previous = p
    previous.append(end_run)
    return len(entries)
