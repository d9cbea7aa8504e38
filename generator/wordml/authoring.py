"""Template authoring: what `templates/make_templates.py` needs that python-docx has no API for.

Fields (PAGE, the sommaire's TOC), paragraph and table borders, header rows that repeat on every page. These
run when the templates are made, never when a document is built.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph


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


TOC_PLACEHOLDER = "Le sommaire est rempli à chaque construction du document."
"""What a template's sommaire shows until a build (or Word) fills it."""


def add_toc(document: DocxDocument, levels: tuple[int, int] = (1, 3), styles: dict[str, int] | None = None) -> None:
    """Append a table of contents field over the headings of `levels` and the paragraph `styles` (name →
    level); every build fills it with the document's headings (`template.CompiledTemplate`), Word refreshes it.

    The field shows a line of text until it is filled: LibreOffice drops a table of contents with nothing in it
    when it opens a document, and a template restyled in Writer would lose its sommaire."""
    instruction = f' TOC \\o "{levels[0]}-{levels[1]}" '
    if styles:
        instruction += '\\t "' + ",".join(f"{name},{level}" for name, level in styles.items()) + '" '
    paragraph = document.add_paragraph(style=f"toc {levels[0]}")
    add_field(paragraph, instruction.strip() + " \\h \\z \\u", TOC_PLACEHOLDER)


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
    """Give a paragraph style a box (for encadrés)."""
    style.element.get_or_add_pPr().append(_borders("w:pBdr", sides, size, space=4))


def repeat_as_header_row(row) -> None:
    """Make a table row repeat at the top of every page the table runs on."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def set_table_style_borders(style, size: int = 4) -> None:
    """Give a table style single borders on every edge and inside."""
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    tbl_pr.append(_borders("w:tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), size, space=0))
