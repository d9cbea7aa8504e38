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


def add_toc(document: DocxDocument, levels: tuple[int, int] = (1, 3), styles: dict[str, int] | None = None) -> None:
    """Append a table of contents field over the headings of `levels` and the paragraph `styles` (name →
    level); every build fills it with the document's headings (`template.CompiledTemplate`), Word refreshes it."""
    instruction = f' TOC \\o "{levels[0]}-{levels[1]}" '
    if styles:
        instruction += '\\t "' + ",".join(f"{name},{level}" for name, level in styles.items()) + '" '
    paragraph = document.add_paragraph(style=f"toc {levels[0]}")
    for element in (_fld_char("begin"), _instr(instruction + "\\h \\z \\u "), _fld_char("separate"),
                    _fld_char("end")):
        paragraph._p.append(element)


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
    if tr_pr.find(qn("w:tblHeader")) is None:
        tr_pr.append(OxmlElement("w:tblHeader"))  # on when it has no value (« true » is not Office 2007's)


def set_table_style_borders(style, size: int = 4) -> None:
    """Give a table style single borders on every edge and inside."""
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    tbl_pr.append(_borders("w:tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), size, space=0))


def keep_row_whole(row) -> None:
    """Keep a table row on one page: a row too short to need two pages never breaks across them."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        tr_pr.insert(0, OxmlElement("w:cantSplit"))


_TBL_PR_AFTER_CELL_MARGINS = ("tblLook", "tblCaption", "tblDescription")


def set_cell_margins(table, left_right: int) -> None:
    """Give a table's cells left and right margins of `left_right` twips (Word's default is 108)."""
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(left_right))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    successor = next((child for child in tbl_pr if child.tag in {qn(f"w:{n}") for n in _TBL_PR_AFTER_CELL_MARGINS}),
                     None)
    if successor is None:
        tbl_pr.append(margins)
    else:
        successor.addprevious(margins)
