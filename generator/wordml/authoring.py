"""Template authoring: what `templates/make_templates.py` needs that python-docx has no API for.

Fields (PAGE, NUMPAGES, the sommaire's TOC), paragraph and table borders, header rows that repeat on every page,
the document's language and fonts, outline levels. These run when the templates are made, never when a document
is built.
"""

from __future__ import annotations

import re

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

# The children of w:pPr that come after w:pBdr in ECMA-376's CT_PPrBase (a border written after them is a
# schema error Word repairs).
_AFTER_PARAGRAPH_BORDER = tuple(qn(f"w:{name}") for name in (
    "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
    "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
    "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"))
# The children of w:pPr that come after w:outlineLvl.
_AFTER_OUTLINE_LEVEL = tuple(qn(f"w:{name}") for name in ("divId", "cnfStyle", "rPr", "sectPr", "pPrChange"))


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


def _borders(tag: str, sides, size: int, space: int, kind: str = "single"):
    """Return a border element (w:pBdr, w:tblBorders) with a line of `kind` (a single line; "nil": none) on each
    of `sides`."""
    borders = OxmlElement(tag)
    for side in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), kind)
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), str(space))
        edge.set(qn("w:color"), "auto")
        borders.append(edge)
    return borders


def set_paragraph_border(style, *, sides=("top", "left", "bottom", "right"), size: int = 6) -> None:
    """Give a paragraph style a box (for encadrés)."""
    _insert_before(style.element.get_or_add_pPr(), _borders("w:pBdr", sides, size, space=4),
                   _AFTER_PARAGRAPH_BORDER)


def _insert_before(parent, element, successors: tuple[str, ...]) -> None:
    """Put `element` in `parent` before its first child whose tag is one of `successors` (schema order)."""
    following = next((child for child in parent if child.tag in successors), None)
    if following is None:
        parent.append(element)
    else:
        following.addprevious(element)


def set_outline_level(style, level: int) -> None:
    """Make a paragraph style a heading of `level` (1 for a title): listed by outlines, tagged H1… in a PDF."""
    p_pr = style.element.get_or_add_pPr()
    for old in p_pr.findall(qn("w:outlineLvl")):
        p_pr.remove(old)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), str(level - 1))
    _insert_before(p_pr, outline, _AFTER_OUTLINE_LEVEL)


def set_language(document: DocxDocument, language: str) -> None:
    """Declare `language` (fr-FR) as the document's: spelling, hyphenation, and what PDF and ODT inherit."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for lang in (defaults.find(qn("w:lang")), *styles.iter(qn("w:lang"))):
        if lang is not None:
            for attribute in ("w:val", "w:eastAsia"):
                lang.set(qn(attribute), language)
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), language)
        theme_lang.attrib.pop(qn("w:eastAsia"), None)


def set_fonts(document: DocxDocument, body: str, headings: str) -> None:
    """Have the document ask for `body` (the theme's minor font) and `headings` (its major font) everywhere:
    in the theme, in the default run properties and in every style that names a theme font."""
    chosen = {"minor": body, "major": headings}
    for fonts in document.styles.element.iter(qn("w:rFonts")):
        kinds = {value[:5] for name, value in fonts.attrib.items() if name.lower().endswith("theme")}
        if not kinds:
            continue  # a font named by the style itself (the monospaced « Code »)
        for name in [name for name in fonts.attrib if name.lower().endswith("theme")]:
            del fonts.attrib[name]
        font = chosen["major" if "major" in kinds else "minor"]
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), font)
    theme = document.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    for kind, font in chosen.items():
        xml = re.sub(rf'(<a:{kind}Font>\s*<a:latin typeface=")[^"]*"', rf'\g<1>{font}"', xml)
    theme._blob = xml.encode("utf-8")


def drop_styles_with_effects(document: DocxDocument) -> None:
    """Remove Word 2010's copy of the styles (stylesWithEffects.xml), which goes stale as styles are added."""
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            del document.part.rels[rel_id]


def repeat_as_header_row(row) -> None:
    """Make a table row repeat at the top of every page the table runs on."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:tblHeader")) is None:
        tr_pr.append(OxmlElement("w:tblHeader"))  # on when present (w:val "true" is not in the schema's values)


def set_table_style_borders(style, size: int = 4, kind: str = "single") -> None:
    """Give a table style single borders (or borders of `kind`: "nil" for none) on every edge and inside."""
    tbl_pr = style.element.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        style.element.append(tbl_pr)
    tbl_pr.append(_borders("w:tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV"), size, space=0,
                           kind=kind))


def set_bullets(document: DocxDocument, font: str) -> None:
    """Draw the bullets of the numbering definitions with `font`'s own « • » instead of Symbol's private glyph
    (which a PDF would print with a substitute font)."""
    numbering = document.part.numbering_part.element
    for level in numbering.iter(qn("w:lvl")):
        kind = level.find(qn("w:numFmt"))
        if kind is None or kind.get(qn("w:val")) != "bullet":
            continue
        level.find(qn("w:lvlText")).set(qn("w:val"), "\u2022" if int(level.get(qn("w:ilvl"))) % 2 == 0 else "\u2013")
        for fonts in level.iter(qn("w:rFonts")):
            fonts.attrib.clear()
            for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
                fonts.set(qn(attribute), font)


_FONT_TABLE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{}</w:fonts>')


def set_font_table(document: DocxDocument, fonts: dict[str, str]) -> None:
    """Declare the fonts the document uses (name → family: "swiss", "roman", "modern"), and those only:
    python-docx's default table declares Calibri, Cambria and Japanese fonts the documents never use."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    entries = "".join(f'<w:font w:name="{name}"><w:charset w:val="00"/><w:family w:val="{family}"/>'
                      f'<w:pitch w:val="{"fixed" if family == "modern" else "variable"}"/></w:font>'
                      for name, family in fonts.items())
    part._blob = _FONT_TABLE.format(entries).encode("utf-8")


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
